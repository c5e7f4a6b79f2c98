"""Model objects as the contract's call data, and the contract's ABI as call encoders.

What the contract cannot carry is either mapped to a value the contract refuses for the same
reason the model does (documented at each mapping), or refused with `Unrepresentable`:

- a multisig signature that is not 65 bytes: the model's `ecrecover` refuses it, so it is sent
  empty, which the contract's refuses too;
- a BLS signature travels uncompressed (EIP-2537's 256-byte form); one the model's backend
  cannot decode has no such form and is sent empty, which fails the check as in the model;
- a batch path the model refuses before hashing (index out of range, more than 64 siblings, a
  root that is not 32 bytes) is sent as an equally refused one (leaf count 0);
- a claimed signer that is not a lowercase hex address is a member `ecrecover` never returns
  in the model: it is sent as the zero address, which the contract never matches either.

Strings are bounded (direction 16 bytes, names 64, payload 2,048), as are lists (128
signatures and signers, 16 required members): beyond them, `Unrepresentable`.
"""

from __future__ import annotations

import re

from eth_abi import encode as abi_encode
from eth_utils import function_signature_to_4byte_selector

from bridgelab.crypto.bls.backend import InvalidPointError, get_backend
from bridgelab.evm.precompiles import encode_g2
from bridgelab.protocol.messages import BatchPath, BridgeMessage, Certificate, TrustRoot

MAX_SIGNERS = 128
MAX_REQUIRED = 16
MAX_BLS_SIGNATURES = 4
MAX_DEPTH = 64
MAX_NAME = 64
MAX_PAYLOAD = 2048
MAX_SCHEME = 16
SCHEMES_BLS = "threshold-bls"
ZERO_ADDRESS = "0x" + "00" * 20
_ADDRESS = re.compile(r"0x[0-9a-f]{40}")


class Unrepresentable(ValueError):
    """A model value the contract's call data cannot carry (see the module's docstring)."""


def _text(value: str, bound: int, what: str) -> str:
    if len(value.encode("utf-8")) > bound:
        raise Unrepresentable(f"{what}: longer than the contract's {bound} bytes")
    return value


def _word(value: int, what: str) -> int:
    if not 0 <= value < 2**256:
        raise Unrepresentable(f"{what}: not a uint256")
    return value


def is_address(value: str) -> bool:
    return bool(_ADDRESS.fullmatch(value))


def address_or_zero(value: str) -> str:
    return value if is_address(value) else ZERO_ADDRESS


def message_args(message: BridgeMessage) -> tuple:
    if len(message.source_block_hash) != 32:
        raise Unrepresentable("source_block_hash: not 32 bytes")
    return (
        _text(message.direction, MAX_SCHEME, "direction"),
        _word(message.nonce, "nonce"),
        _text(message.asset, MAX_NAME, "asset"),
        _word(message.amount, "amount"),
        _text(message.sender, MAX_NAME, "sender"),
        _text(message.recipient, MAX_NAME, "recipient"),
        _text(message.source_contract, MAX_NAME, "source_contract"),
        _word(message.source_block, "source_block"),
        message.source_block_hash,
        _text(message.payload, MAX_PAYLOAD, "payload"),
    )


def batch_args(batch: BatchPath | None) -> tuple:
    if batch is None:
        return (False, bytes(32), 0, 0, [])
    path = batch.path
    if (
        len(batch.root) != 32 or len(path.siblings) > MAX_DEPTH
        or not 0 <= path.index < path.leaf_count
    ):
        # Refused by crypto/merkle.py verify (or, for another root length, never equal to
        # a sha256 output): sent as a path the contract refuses too.
        return (True, bytes(32), 0, 0, [])
    if any(len(sibling) != 32 for sibling in path.siblings):
        raise Unrepresentable("batch: a sibling that is not 32 bytes")
    return (True, batch.root, path.index, _word(path.leaf_count, "batch size"),
            list(path.siblings))


def ecdsa_or_empty(signature: bytes) -> bytes:
    # The model's ecrecover refuses any other length; so does the contract an empty one.
    return signature if len(signature) == 65 else b""


def g2_uncompressed(signature: bytes) -> bytes:
    """A compressed G2 point in EIP-2537's form, or b"" when it is not a valid point."""
    try:
        # The model's own decoding rule (canonical encoding, subgroup), cached by the backend.
        point = get_backend("arkworks")._g2(signature)
    except InvalidPointError:
        return b""
    return encode_g2(point)


def g1_uncompressed(key: bytes) -> bytes:
    """A compressed G1 point in EIP-2537's form; 128 zero bytes when it is not valid."""
    try:
        point = get_backend("arkworks")._g1(key)
    except InvalidPointError:
        return bytes(128)
    xy = point.to_xy_bytes_be()
    if not any(xy) or key[0] & 0x40:
        return bytes(128)
    return bytes(16) + xy[:48] + bytes(16) + xy[48:]


def certificate_args(cert: Certificate, root_scheme: str, required: int) -> tuple:
    signatures: list[bytes] = []
    bls: list[bytes] = []
    if root_scheme == SCHEMES_BLS:
        if len(cert.signatures) > MAX_BLS_SIGNATURES:
            # Refused for their count, as any count but one is.
            bls = [b"", b""]
        else:
            bls = [g2_uncompressed(signature) for signature in cert.signatures]
    else:
        if len(cert.signatures) > MAX_SIGNERS:
            raise Unrepresentable(f"more than {MAX_SIGNERS} signatures")
        signatures = [ecdsa_or_empty(signature) for signature in cert.signatures]
    if len(cert.claimed_signers) > MAX_SIGNERS:
        raise Unrepresentable(f"more than {MAX_SIGNERS} claimed signers")
    cosignatures = [ecdsa_or_empty(signature) for signature in cert.cosignatures]
    if len(cosignatures) > MAX_REQUIRED:
        # Refused for their count, which differs from the required members' (at most 16).
        cosignatures = [b""] * (required + 1) if required < MAX_REQUIRED else []
    return (
        message_args(cert.message),
        _word(cert.trust_root_version, "trust_root_version"),
        _text(cert.scheme, MAX_SCHEME, "scheme"),
        signatures,
        bls,
        [address_or_zero(signer) for signer in cert.claimed_signers],
        batch_args(cert.batch),
        cosignatures,
    )


def root_args(root: TrustRoot) -> tuple:
    """A trust root as the contract stores it; its signers must be addresses, as the
    rotation digest signs their hex."""
    for signer in root.signers:
        if not is_address(signer):
            raise Unrepresentable(f"trust root signer {signer!r}: not a lowercase hex address")
    if len(root.signers) > MAX_SIGNERS or len(root.required) > MAX_REQUIRED:
        raise Unrepresentable("trust root: too many signers or required members")
    try:
        key = bytes.fromhex(root.group_key)
    except ValueError as exc:
        raise Unrepresentable("group_key: not hex") from exc
    if len(key) > 48 or key.hex() != root.group_key:
        raise Unrepresentable("group_key: not the lowercase hex of at most 48 bytes")
    point = g1_uncompressed(key) if len(key) == 48 else bytes(128)
    return (
        _word(root.version, "version"),
        _text(root.scheme, MAX_SCHEME, "scheme"),
        list(root.signers),
        _word(root.threshold, "threshold"),
        [_word(member, "required member") for member in root.required],
        key,
        point,
    )


def _canonical(parameter: dict) -> str:
    kind = parameter["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_canonical(component) for component in parameter["components"])
        return f"({inner}){kind[len('tuple'):]}"
    return kind


class ContractAbi:
    """A contract's functions by name: selector, input and output types (tuples spelt out)."""

    def __init__(self, abi: tuple[dict, ...]) -> None:
        self.functions: dict[str, tuple[bytes, tuple[str, ...], tuple[str, ...]]] = {}
        for entry in abi:
            if entry.get("type") not in ("function", "constructor"):
                continue
            inputs = tuple(_canonical(parameter) for parameter in entry["inputs"])
            outputs = tuple(_canonical(parameter) for parameter in entry.get("outputs", ()))
            name = entry.get("name", "constructor")
            signature = f"{name}({','.join(inputs)})"
            selector = b"" if name == "constructor" else function_signature_to_4byte_selector(
                signature
            )
            self.functions[name] = (selector, inputs, outputs)

    def calldata(self, function: str, *args: object) -> bytes:
        selector, inputs, _outputs = self.functions[function]
        return selector + abi_encode(list(inputs), list(args))

    def outputs(self, function: str) -> list[str]:
        return list(self.functions[function][2])
