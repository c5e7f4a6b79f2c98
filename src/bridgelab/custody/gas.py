"""What a certificate costs on the settlement chain: the gas table of the bridge contract.

Priced as the EVM prices the contract of `bridgelab.evm` (contracts/bridge.vy): the
transaction's intrinsic gas, its calldata at 4 gas per zero byte and 16 per other byte (the
certificate ABI-encoded as `mint` takes it, a BLS signature as an uncompressed 256-byte
EIP-2537 point), the precompiles (ecrecover, the pairing check, hash-to-curve's two
MAP_FP2_TO_G2, one G2ADD and four MODEXP), the cold storage reads of the trust root (one
signer-set slot per signature, the group key's five slots) and, calibrated against the
bytecode, what the contract's own code spends around them (ABI decoding, memory, hashing
the message, the loops). `tests/evm/test_evm_gas.py` keeps this table within 5% of the gas the
EVM meters, across committee sizes and both schemes.
"""

from __future__ import annotations

from bridgelab.protocol.messages import Certificate

TX_BASE_GAS = 21_000
CALLDATA_ZERO_BYTE_GAS = 4
CALLDATA_NONZERO_BYTE_GAS = 16
COLD_SLOAD_GAS = 2_100
ECRECOVER_GAS = 3_000
# EIP-2537: a pairing check costs 32,600 per pair plus 37,700; hashing to G2 maps two field
# elements (23,800 each), adds the points (600) and reduces four 64-byte chunks mod p
# (MODEXP, 200 each).
PAIRING_GAS = 2 * 32_600 + 37_700
HASH_TO_G2_GAS = 2 * 23_800 + 600 + 4 * 200
# Uncompressed points, as EIP-2537 takes them: 64 bytes per field element (16 of them zero).
G2_UNCOMPRESSED_BYTES = 256
GROUP_KEY_SLOTS = 5
# The trust root's fixed reads before any signature (version, scheme, serial, threshold,
# override, required members), the deposit checks (paused, escrow, nonce) and the code
# around them: calibrated against the bytecode, per scheme.
MULTISIG_CHECKS_GAS = 53_600
THRESHOLD_BLS_CHECKS_GAS = 61_650
# Per multisig signature: ecrecover, the signer set's cold slot, and the contract's own
# work (decoding, the low-s check, the duplicate bitmap).
SIGNATURE_GAS = ECRECOVER_GAS + COLD_SLOAD_GAS + 1_330
# Per required member's co-signature under threshold BLS: the same, plus the required
# member's index read.
COSIGNATURE_GAS = ECRECOVER_GAS + 2 * COLD_SLOAD_GAS + 2_100
# Per level of a batch path (one sha256 and the loop), and a batch's digest.
BATCH_LEVEL_GAS = 650
BATCH_GAS = 1_480
# What a mint writes once its certificate is verified (the nonce, the supply and the
# recipient's balance, the accepted source block, the event): measured on the contract
# for a recipient and asset already holding tokens and a fresh nonce and source block.
MINT_STORAGE_GAS = 60_000

_WORD = 32


def _word(value: int) -> bytes:
    return value.to_bytes(_WORD, "big")


def _padded(data: bytes) -> bytes:
    """A `bytes` or `string` value: its length, then its data padded to whole words."""
    return _word(len(data)) + data + bytes(-len(data) % _WORD)


def _dynamic_array(items: list[bytes]) -> bytes:
    """A `bytes[]`: the count, each item's offset, then each item."""
    encoded = [_padded(item) for item in items]
    offsets, position = [], _WORD * len(items)
    for item in encoded:
        offsets.append(_word(position))
        position += len(item)
    return _word(len(items)) + b"".join(offsets) + b"".join(encoded)


def _tuple(fields: list[tuple[bool, bytes]]) -> bytes:
    """A tuple of (is_dynamic, encoding) fields: static fields inline, dynamic ones by
    offset after the head."""
    head, tail = [], []
    position = _WORD * len(fields)
    for dynamic, encoding in fields:
        if dynamic:
            head.append(_word(position))
            tail.append(encoding)
            position += len(encoding)
        else:
            head.append(encoding)
    return b"".join(head) + b"".join(tail)


def _address(value: str) -> bytes:
    try:
        raw = bytes.fromhex(value[2:]) if value.startswith("0x") else b""
    except ValueError:
        raw = b""
    return bytes(12) + raw if len(raw) == 20 else bytes(_WORD)


def certificate_calldata(cert: Certificate, bls: bool) -> bytes:
    """The certificate as the contract's `mint` call data (its selector's four bytes stand
    in as non-zero). Signature bytes are priced as non-zero, whatever they are: a byte of a
    real signature is zero once in 256, and a symbolic run's stand-ins (crypto/symbolic.py)
    must cost what the real signatures do. A BLS signature is its uncompressed form."""
    message = cert.message
    text = str.encode
    message_tuple = _tuple([
        (True, _padded(text(message.direction))), (False, _word(message.nonce)),
        (True, _padded(text(message.asset))), (False, _word(message.amount)),
        (True, _padded(text(message.sender))), (True, _padded(text(message.recipient))),
        (True, _padded(text(message.source_contract))), (False, _word(message.source_block)),
        (False, message.source_block_hash.ljust(_WORD, b"\x00")[:_WORD]),
        (True, _padded(text(message.payload))),
    ])
    uncompressed = (bytes(16) + b"\xff" * 48) * 4
    signatures = [] if bls else [_opaque(signature) for signature in cert.signatures]
    bls_signatures = [uncompressed for _ in cert.signatures] if bls else []
    batch = cert.batch
    if batch is None:
        batch_tuple = _tuple([(False, _word(0))] * 4 + [(True, _word(0))])
    else:
        siblings = batch.path.siblings
        batch_tuple = _tuple([
            (False, _word(1)), (False, batch.root.ljust(_WORD, b"\x00")[:_WORD]),
            (False, _word(batch.path.index)), (False, _word(batch.size)),
            (True, _word(len(siblings)) + b"".join(siblings)),
        ])
    claimed = _word(len(cert.claimed_signers)) + b"".join(map(_address, cert.claimed_signers))
    certificate = _tuple([
        (True, message_tuple), (False, _word(cert.trust_root_version)),
        (True, _padded(text(cert.scheme))), (True, _dynamic_array(signatures)),
        (True, _dynamic_array(bls_signatures)), (True, claimed), (True, batch_tuple),
        (True, _dynamic_array([_opaque(signature) for signature in cert.cosignatures])),
    ])
    return b"\xff" * 4 + _word(_WORD) + certificate


def _opaque(signature: bytes) -> bytes:
    return b"\xff" * len(signature)


def calldata_gas(data: bytes) -> int:
    zeros = data.count(0)
    return zeros * CALLDATA_ZERO_BYTE_GAS + (len(data) - zeros) * CALLDATA_NONZERO_BYTE_GAS


def _batch_gas(cert: Certificate) -> int:
    if cert.batch is None:
        return 0
    return BATCH_GAS + BATCH_LEVEL_GAS * len(cert.batch.path.siblings)


def multisig_verification_gas(cert: Certificate) -> int:
    """A multisig certificate up to its verdict: intrinsic gas, calldata, one ecrecover and
    signer-set read per signature."""
    return (
        TX_BASE_GAS + calldata_gas(certificate_calldata(cert, bls=False)) + MULTISIG_CHECKS_GAS
        + SIGNATURE_GAS * len(cert.signatures) + _batch_gas(cert)
    )


def threshold_bls_verification_gas(cert: Certificate) -> int:
    """A threshold-BLS certificate up to its verdict: intrinsic gas, calldata, hash-to-curve,
    one pairing check, the group key's reads, one ecrecover per required member."""
    return (
        TX_BASE_GAS + calldata_gas(certificate_calldata(cert, bls=True))
        + THRESHOLD_BLS_CHECKS_GAS + PAIRING_GAS + HASH_TO_G2_GAS
        + GROUP_KEY_SLOTS * COLD_SLOAD_GAS + COSIGNATURE_GAS * len(cert.cosignatures)
        + _batch_gas(cert)
    )
