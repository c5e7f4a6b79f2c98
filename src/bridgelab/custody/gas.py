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

from itertools import accumulate, repeat

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


# Pricing the call data from its shape: the same layout as `certificate_calldata`, read as
# its words (lengths, offsets, integers), its data (strings, hashes, addresses), its opaque
# signature bytes (non-zero) and its padding (zero), so that nothing is built only to be
# counted. `tests/actors/test_gas_shape.py` checks it against pricing the built bytes.


class _Shape:
    """A piece of ABI call data as what its bytes are made of."""

    __slots__ = ("data", "opaque", "padding", "words")

    def __init__(self) -> None:
        self.words: list[int] = []
        self.data: list[bytes] = []
        self.opaque = 0
        self.padding = 0

    def padded(self, items: list[bytes]) -> list[int]:
        """`_padded` of each item (the words' order does not matter); their sizes."""
        lengths = list(map(len, items))
        sizes = [_WORD + -(-length // _WORD) * _WORD for length in lengths]
        self.words += lengths
        self.data += items
        self.padding += sum(sizes) - _WORD * len(items) - sum(lengths)
        return sizes

    def opaque_array(self, lengths: list[int]) -> int:
        """`_dynamic_array` of opaque items of these lengths; its size."""
        count, opaque = len(lengths), sum(lengths)
        sizes = [_WORD + -(-length // _WORD) * _WORD for length in lengths]
        self.words.append(count)
        self.words += accumulate(sizes[:-1], initial=_WORD * count) if sizes else ()
        self.words += lengths
        self.opaque += opaque
        self.padding += sum(sizes) - _WORD * count - opaque
        return _WORD * (1 + count) + sum(sizes)

    def tuple_offsets(self, head_words: int, tail_sizes: list[int]) -> int:
        """The offsets of a tuple's dynamic fields, whose tails have these sizes; the
        tuple's size."""
        self.words += accumulate(tail_sizes[:-1], initial=_WORD * head_words)
        return _WORD * head_words + sum(tail_sizes)

    def length_and_zeros(self) -> tuple[int, int]:
        words = b"".join(map(int.to_bytes, self.words, repeat(_WORD), repeat("big")))
        data = b"".join(self.data)
        return (len(words) + len(data) + self.opaque + self.padding,
                words.count(0) + data.count(0) + self.padding)


def _bytes32(value: bytes) -> bytes:
    return value.ljust(_WORD, b"\x00")[:_WORD]


def certificate_calldata_shape(cert: Certificate, bls: bool) -> tuple[int, int]:
    """(length, zero bytes) of `certificate_calldata(cert, bls)`, without building it."""
    shape = _Shape()
    message = cert.message
    # The message tuple: ten head words (six offsets, four values), then six strings.
    texts = [message.direction, message.asset, message.sender, message.recipient,
             message.source_contract, message.payload]
    message_size = shape.tuple_offsets(10, shape.padded(list(map(str.encode, texts))))
    shape.words += (message.nonce, message.amount, message.source_block)
    shape.data.append(_bytes32(message.source_block_hash))
    # The certificate tuple: eight head words (seven offsets and the version).
    shape.words.append(cert.trust_root_version)
    scheme_size = shape.padded([cert.scheme.encode()])[0]
    signatures = shape.opaque_array([] if bls else list(map(len, cert.signatures)))
    # A BLS signature is uncompressed: 256 bytes, four runs of 16 zero bytes.
    bls_signatures = shape.opaque_array([256] * len(cert.signatures) if bls else [])
    if bls:
        shape.opaque -= 64 * len(cert.signatures)
        shape.padding += 64 * len(cert.signatures)
    claimed = cert.claimed_signers
    shape.words.append(len(claimed))
    shape.data += map(_address, claimed)
    batch = cert.batch
    if batch is None:
        shape.words += (0, 0, 0, 0, _WORD * 5, 0)
        batch_size = _WORD * 6
    else:
        siblings = batch.path.siblings
        shape.words += (1, batch.path.index, batch.size, _WORD * 5, len(siblings))
        shape.data.append(_bytes32(batch.root))
        shape.data += siblings
        batch_size = _WORD * 6 + sum(map(len, siblings))
    cosignatures = shape.opaque_array(list(map(len, cert.cosignatures)))
    certificate_size = shape.tuple_offsets(8, [
        message_size, scheme_size, signatures, bls_signatures, _WORD * (1 + len(claimed)),
        batch_size, cosignatures,
    ])
    # The selector (four non-zero bytes) and the one argument's offset.
    shape.opaque += 4
    shape.words.append(_WORD)
    length, zeros = shape.length_and_zeros()
    assert length == 4 + _WORD + certificate_size, "the shape is the layout's"
    return length, zeros


def certificate_calldata_gas(cert: Certificate, bls: bool) -> int:
    """`calldata_gas(certificate_calldata(cert, bls))`, priced from the certificate's shape."""
    length, zeros = certificate_calldata_shape(cert, bls)
    return zeros * CALLDATA_ZERO_BYTE_GAS + (length - zeros) * CALLDATA_NONZERO_BYTE_GAS


def _batch_gas(cert: Certificate) -> int:
    if cert.batch is None:
        return 0
    return BATCH_GAS + BATCH_LEVEL_GAS * len(cert.batch.path.siblings)


def multisig_verification_gas(cert: Certificate) -> int:
    """A multisig certificate up to its verdict: intrinsic gas, calldata, one ecrecover and
    signer-set read per signature."""
    return (
        TX_BASE_GAS + certificate_calldata_gas(cert, bls=False) + MULTISIG_CHECKS_GAS
        + SIGNATURE_GAS * len(cert.signatures) + _batch_gas(cert)
    )


def threshold_bls_verification_gas(cert: Certificate) -> int:
    """A threshold-BLS certificate up to its verdict: intrinsic gas, calldata, hash-to-curve,
    one pairing check, the group key's reads, one ecrecover per required member."""
    return (
        TX_BASE_GAS + certificate_calldata_gas(cert, bls=True)
        + THRESHOLD_BLS_CHECKS_GAS + PAIRING_GAS + HASH_TO_G2_GAS
        + GROUP_KEY_SLOTS * COLD_SLOAD_GAS + COSIGNATURE_GAS * len(cert.cosignatures)
        + _batch_gas(cert)
    )
