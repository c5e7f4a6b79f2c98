# pragma version 0.4.3
"""
@title bridgelab settlement bridge contract
@notice The EVM form of settlement/bridge_contract.py and protocol/verifier.py: the same
        checks, in the same order, reverting with the same reason names.
@dev    Flaw variants come from this one source. A line `#@ if not FLAW` opens a section that
        is compiled only when FLAW is off, `#@ if FLAW` one compiled only when it is on;
        `#@ else` and `#@ endif` as usual (evm/variants.py). Every section removes or adds
        exactly the check its flaw names. Storage is identical in every variant, so an admin
        upgrade swaps the code and keeps the state.

        Byte layouts match crypto/hashing.py `encode`: a tag, a zero byte, then each field
        with a 4-byte big-endian length prefix (integers as 32-byte words). Digests are
        keccak256, Merkle trees sha256 with 0x00 leaf and 0x01 node prefixes (crypto/merkle.py).
"""

MAX_SIGNERS: constant(uint256) = 128
MAX_REQUIRED: constant(uint256) = 16
MAX_BLS_SIGNATURES: constant(uint256) = 4
MAX_DEPTH: constant(uint256) = 64
MAX_QUEUE: constant(uint256) = 1024
MAX_PAYLOAD: constant(uint256) = 2048
# The rotation digest joins the new signers' hex addresses with commas.
MAX_JOINED: constant(uint256) = 5504
# An escrow lock event's leaf (consortium/escrow.py LockEvent.leaf), at its longest.
MAX_LEAF: constant(uint256) = 2432

SCHEME_MULTISIG: constant(uint256) = 1
SCHEME_BLS: constant(uint256) = 2
HALF_ORDER: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168
E18: constant(uint256) = 10**18

# keccak256 of the strings the contract compares against.
DEPOSIT_HASH: constant(bytes32) = keccak256("deposit")
MULTISIG_HASH: constant(bytes32) = keccak256("multisig")
BLS_HASH: constant(bytes32) = keccak256("threshold-bls")

# EIP-2537 precompiles and their prices (gas forwarded exactly: a failing precompile burns
# what it was given, and the contract must still revert with its own reason).
G2_ADD: constant(address) = 0x000000000000000000000000000000000000000d
PAIRING: constant(address) = 0x000000000000000000000000000000000000000F
MAP_FP2_TO_G2: constant(address) = 0x0000000000000000000000000000000000000011
MODEXP: constant(address) = 0x0000000000000000000000000000000000000005
G2_ADD_GAS: constant(uint256) = 600
MAP_GAS: constant(uint256) = 23800
PAIRING_2_GAS: constant(uint256) = 2 * 32600 + 37700
MODEXP_GAS: constant(uint256) = 200
# BLS12-381's base field modulus p, as a 64-byte EIP-2537 field element.
P_PADDED: constant(Bytes[64]) = x"000000000000000000000000000000001a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab"
# -g1, uncompressed (EIP-2537: x then y, each a 64-byte field element).
NEG_G1: constant(Bytes[128]) = x"0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb00000000000000000000000000000000114d1d6855d545a8aa7d76c8cf2e21f267816aef1db507c96655b9d5caac42364e6f38ba0ecb751bad54dcd6b939c2ca"
# crypto/bls/backend.py DST, with its length byte: expand_message_xmd's DST_prime.
DST_PRIME: constant(Bytes[44]) = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_\x2b"
LEN_32: constant(Bytes[4]) = x"00000020"

struct Message:
    direction: String[16]
    nonce: uint256
    asset: String[64]
    amount: uint256
    sender: String[64]
    recipient: String[64]
    source_contract: String[64]
    source_block: uint256
    source_block_hash: bytes32
    payload: String[MAX_PAYLOAD]

struct Batch:
    present: bool
    root: bytes32
    index: uint256
    size: uint256
    siblings: DynArray[bytes32, MAX_DEPTH]

struct Certificate:
    message: Message
    trust_root_version: uint256
    scheme: String[16]
    # Multisig: 65-byte r || s || v signatures. Threshold BLS: the group signature as an
    # uncompressed G2 point (EIP-2537's 256-byte form).
    signatures: DynArray[Bytes[65], MAX_SIGNERS]
    bls_signatures: DynArray[Bytes[256], MAX_BLS_SIGNATURES]
    claimed_signers: DynArray[address, MAX_SIGNERS]
    batch: Batch
    cosignatures: DynArray[Bytes[65], MAX_REQUIRED]

struct Root:
    version: uint256
    scheme: String[16]
    signers: DynArray[address, MAX_SIGNERS]
    threshold: uint256
    required: DynArray[uint256, MAX_REQUIRED]
    # The compressed group key (what the rotation digest signs, in hex) and its uncompressed
    # form (what the pairing precompile takes). Empty under multisig.
    group_key: Bytes[48]
    group_point: Bytes[128]

struct Limits:
    cap_set: bool
    cap: uint256
    delay_set: bool
    delay_threshold: uint256
    delay: uint256
    bucket_set: bool
    bucket_capacity: uint256
    # Tokens per second, times 10**18: the bucket is kept in 18-decimal fixed point.
    bucket_rate_e18: uint256
    accountant_set: bool
    rotation_timelock: uint256

struct Header:
    height: uint256
    view: uint256
    parent_hash: bytes32
    time_micros: uint256
    proposer: uint256
    events_root: bytes32
    event_count: uint256

event Minted:
    nonce: indexed(uint256)
    amount: uint256
    signers: uint256
    delayed: bool

event Queued:
    nonce: indexed(uint256)
    amount: uint256
    due: uint256

event Burned:
    nonce: indexed(uint256)
    amount: uint256

# -- storage: the same in every variant ------------------------------------------------------

admin: address
guardian: address
watcher: address
accountant_oracle: address
escrow_hash: bytes32
paused: public(bool)

# The trust root. Membership is kept per installed root (`root_serial`), so installing one
# never has to clear the last.
root_serial: uint256
version: public(uint256)
scheme: uint256
scheme_hash: bytes32
signers: DynArray[address, MAX_SIGNERS]
member_index: HashMap[uint256, HashMap[address, uint256]]
threshold: uint256
required: DynArray[uint256, MAX_REQUIRED]
group_key: Bytes[48]
group_point: Bytes[128]
group_key_usable: bool

override_set: bool
override_value: uint256

# Pending trust root (rotation timelock).
rotation_timelock: uint256
pending_present: bool
pending_due: uint256
pending_via: uint256
pending_root: Root

# Limits: None in the model is `*_set = False` here.
cap_set: bool
cap: uint256
delay_set: bool
delay_threshold: uint256
delay: uint256
bucket_set: bool
bucket_capacity: uint256
bucket_rate_e18: uint256
bucket_level_e18: uint256
bucket_updated: uint256
accountant_set: bool
backing: HashMap[bytes32, uint256]

# Books.
minted: public(HashMap[uint256, bool])
minted_total: HashMap[bytes32, uint256]
burned_total: HashMap[bytes32, uint256]
balances: public(HashMap[address, HashMap[bytes32, uint256]])
next_burn_nonce: public(uint256)
accepted_roots: HashMap[bytes32, bool]

# The delay queue, in admission order (a dict's order in the model).
queue: DynArray[uint256, MAX_QUEUE]
queued: HashMap[uint256, bool]
queued_due: HashMap[uint256, uint256]
queued_amount: HashMap[uint256, uint256]
queued_asset: HashMap[uint256, bytes32]
queued_holder: HashMap[uint256, address]
queued_signers: HashMap[uint256, uint256]
queued_payload: HashMap[uint256, String[MAX_PAYLOAD]]
pending_by_asset: HashMap[bytes32, uint256]


@deploy
def __init__(
    root: Root,
    escrow_contract: String[64],
    admin: address,
    guardian: address,
    watcher: address,
    accountant_oracle: address,
    limits: Limits,
):
    self.admin = admin
    self.guardian = guardian
    self.watcher = watcher
    self.accountant_oracle = accountant_oracle
    self.escrow_hash = keccak256(escrow_contract)
    self._install(root)
    # The outflow defences, as the model's BridgeState is built (its bucket starts full).
    self.cap_set = limits.cap_set
    self.cap = limits.cap
    self.delay_set = limits.delay_set
    self.delay_threshold = limits.delay_threshold
    self.delay = limits.delay
    self.bucket_set = limits.bucket_set
    self.bucket_capacity = limits.bucket_capacity
    self.bucket_rate_e18 = limits.bucket_rate_e18
    self.bucket_level_e18 = limits.bucket_capacity * E18
    self.bucket_updated = block.timestamp
    self.accountant_set = limits.accountant_set
    self.rotation_timelock = limits.rotation_timelock
#@ if zero_root_trusted
    # Nomad 2022: the upgrade's initialiser marked the zero root as confirmed.
    self.accepted_roots[empty(bytes32)] = True
#@ endif


# -- encodings -------------------------------------------------------------------------------


@internal
@pure
def _len4(size: uint256) -> Bytes[4]:
    return slice(convert(size, bytes32), 28, 4)


@internal
@pure
def _message_digest(m: Message, version: uint256) -> bytes32:
    """protocol/messages.py BridgeMessage.digest."""
    return keccak256(
        concat(
            b"bridgelab/bridge-message/v1\x00",
            self._len4(len(m.direction)), convert(m.direction, Bytes[16]),
            LEN_32, convert(m.nonce, bytes32),
            self._len4(len(m.asset)), convert(m.asset, Bytes[64]),
            LEN_32, convert(m.amount, bytes32),
            self._len4(len(m.sender)), convert(m.sender, Bytes[64]),
            self._len4(len(m.recipient)), convert(m.recipient, Bytes[64]),
            self._len4(len(m.source_contract)), convert(m.source_contract, Bytes[64]),
            LEN_32, convert(m.source_block, bytes32),
            LEN_32, m.source_block_hash,
            LEN_32, convert(version, bytes32),
            self._len4(len(m.payload)), convert(m.payload, Bytes[MAX_PAYLOAD]),
        )
    )


@internal
@pure
def _batch_digest(root: bytes32, size: uint256, version: uint256) -> bytes32:
    """protocol/messages.py batch_digest."""
    return keccak256(
        concat(
            b"bridgelab/bridge-batch/v1\x00",
            LEN_32, root, LEN_32, convert(size, bytes32), LEN_32, convert(version, bytes32),
        )
    )


@internal
@pure
def _bit_length(number: uint256) -> uint256:
    x: uint256 = number
    bits: uint256 = 0
    for i: uint256 in range(256):
        if x == 0:
            break
        x = x >> 1
        bits += 1
    return bits


@internal
@pure
def _merkle_verify(
    root: bytes32, leaf: Bytes[MAX_LEAF], index: uint256, size: uint256,
    siblings: DynArray[bytes32, MAX_DEPTH],
) -> bool:
    """crypto/merkle.py verify: index in range, depth exactly that of the leaf count."""
    if index >= size:
        return False
    if len(siblings) != self._bit_length(size - 1):
        return False
    current: bytes32 = sha256(concat(b"\x00", leaf))
    position: uint256 = index
    for sibling: bytes32 in siblings:
        if position & 1 == 1:
            current = sha256(concat(b"\x01", sibling, current))
        else:
            current = sha256(concat(b"\x01", current, sibling))
        position = position >> 1
    return current == root


@internal
@pure
def _hex_address(a: address) -> Bytes[42]:
    """The lowercase 0x-hex string crypto/secp256k1.py address_of gives."""
    x: uint256 = convert(a, uint256)
    hi: uint256 = 0
    lo: uint256 = 0
    for i: uint256 in range(40):
        nibble: uint256 = (x >> (4 * (39 - i))) & 15
        char: uint256 = nibble + 48
        if nibble > 9:
            char = nibble + 87
        if i < 32:
            hi = (hi << 8) | char
        else:
            lo = (lo << 8) | char
    return concat(b"0x", convert(hi, bytes32), slice(convert(lo << 192, bytes32), 0, 8))


@internal
@pure
def _hex48(data: Bytes[48]) -> Bytes[96]:
    """Lowercase hex of up to 48 bytes (a compressed G1 group key), as three 32-char words."""
    if len(data) == 0:
        # A multisig root has no group key (and a zero-length slice reverts).
        return b""
    padded: Bytes[80] = concat(data, empty(bytes32))
    words: uint256[3] = empty(uint256[3])
    for w: uint256 in range(3):
        chunk: uint256 = extract32(padded, 16 * w, output_type=uint256) >> 128
        for i: uint256 in range(32):
            nibble: uint256 = (chunk >> (4 * (31 - i))) & 15
            char: uint256 = nibble + 48
            if nibble > 9:
                char = nibble + 87
            words[w] = (words[w] << 8) | char
    hexed: Bytes[96] = concat(
        convert(words[0], bytes32), convert(words[1], bytes32), convert(words[2], bytes32)
    )
    return slice(hexed, 0, 2 * len(data))


# -- signatures ------------------------------------------------------------------------------


@internal
@view
def _ecrecover(digest: bytes32, signature: Bytes[65]) -> address:
    """crypto/secp256k1.py ecrecover: empty(address) for a malformed or high-s signature.
    The precompile itself accepts high s; Ethereum's low-s rule is checked here."""
    if len(signature) != 65:
        return empty(address)
    r: uint256 = extract32(signature, 0, output_type=uint256)
    s: uint256 = extract32(signature, 32, output_type=uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    if v != 27 and v != 28:
        return empty(address)
    if r == 0 or s == 0 or s > HALF_ORDER:
        return empty(address)
    return ecrecover(digest, v, r, s)


@internal
@view
def _mod_p(chunk: Bytes[64]) -> Bytes[64]:
    """A 64-byte big-endian integer mod p, through MODEXP (exponent 1): hash_to_field."""
    ok: bool = False
    out: Bytes[64] = b""
    ok, out = raw_call(
        MODEXP,
        concat(
            convert(64, bytes32), convert(1, bytes32), convert(64, bytes32),
            chunk, b"\x01", P_PADDED,
        ),
        max_outsize=64, gas=MODEXP_GAS, is_static_call=True, revert_on_failure=False,
    )
    assert ok and len(out) == 64, "modexp"
    return out


@internal
@view
def _map_fp2(c0: Bytes[64], c1: Bytes[64]) -> Bytes[256]:
    ok: bool = False
    out: Bytes[256] = b""
    ok, out = raw_call(
        MAP_FP2_TO_G2, concat(c0, c1),
        max_outsize=256, gas=MAP_GAS, is_static_call=True, revert_on_failure=False,
    )
    assert ok and len(out) == 256, "map_fp2_to_g2"
    return out


@internal
@view
def _hash_to_g2(message: bytes32) -> Bytes[256]:
    """RFC 9380 hash_to_curve for BLS12381G2_XMD:SHA-256_SSWU_RO_ under the model's DST
    (crypto/bls/backend.py): expand_message_xmd to 256 bytes, four field elements mod p,
    each pair mapped by MAP_FP2_TO_G2 (map_to_curve then clear_cofactor, a homomorphism),
    and the two points added: clear(Q0 + Q1) = clear(Q0) + clear(Q1)."""
    b0: bytes32 = sha256(concat(empty(bytes32), empty(bytes32), message, x"010000", DST_PRIME))
    uniform: Bytes[256] = b""
    previous: bytes32 = empty(bytes32)
    for i: uint256 in range(1, 9):
        block_in: bytes32 = b0
        if i > 1:
            block_in = convert(convert(b0, uint256) ^ convert(previous, uint256), bytes32)
        previous = sha256(concat(block_in, slice(convert(i, bytes32), 31, 1), DST_PRIME))
        uniform = convert(concat(uniform, previous), Bytes[256])
    e0: Bytes[64] = self._mod_p(slice(uniform, 0, 64))
    e1: Bytes[64] = self._mod_p(slice(uniform, 64, 64))
    e2: Bytes[64] = self._mod_p(slice(uniform, 128, 64))
    e3: Bytes[64] = self._mod_p(slice(uniform, 192, 64))
    ok: bool = False
    out: Bytes[256] = b""
    ok, out = raw_call(
        G2_ADD, concat(self._map_fp2(e0, e1), self._map_fp2(e2, e3)),
        max_outsize=256, gas=G2_ADD_GAS, is_static_call=True, revert_on_failure=False,
    )
    assert ok and len(out) == 256, "g2_add"
    return out


@internal
@view
def _bls_verify(digest: bytes32, signature: Bytes[256]) -> bool:
    """e(pk, H(m)) == e(g1, sig) as one pairing check; a malformed point fails the check,
    as the model's backend refuses one; the identity key verifies nothing (KeyValidate)."""
    if not self.group_key_usable or len(signature) != 256:
        return False
    point: Bytes[128] = self.group_point
    if point == empty(Bytes[128]):
        return False
    ok: bool = False
    out: Bytes[32] = b""
    ok, out = raw_call(
        PAIRING, concat(point, self._hash_to_g2(digest), NEG_G1, signature),
        max_outsize=32, gas=PAIRING_2_GAS, is_static_call=True, revert_on_failure=False,
    )
    return ok and len(out) == 32 and convert(out, uint256) == 1


# -- the verifier (protocol/verifier.py) -----------------------------------------------------


@internal
@view
def _verify_multisig(digest: bytes32, signatures: DynArray[Bytes[65], MAX_SIGNERS]) -> uint256:
    """verify_multisig_signatures: the signers' member bitmap, or a revert naming the check."""
    serial: uint256 = self.root_serial
    seen: uint256 = 0
    duplicate: bool = False
    for signature: Bytes[65] in signatures:
        signer: address = self._ecrecover(digest, signature)
        member: uint256 = self.member_index[serial][signer]
        if signer == empty(address) or member == 0:
            raise "certificate_unauthorised_signer"
        bit: uint256 = 1 << (member - 1)
        if seen & bit != 0:
            duplicate = True
        seen = seen | bit
#@ if not duplicate_signers_counted
    if duplicate:
        raise "certificate_duplicate_signer"
#@ endif
    threshold: uint256 = self.threshold
    if self.override_set:
        threshold = self.override_value
    if len(signatures) < threshold:
        raise "certificate_below_threshold"
#@ if not required_members_unchecked
    for member: uint256 in self.required:
        if member >= 256 or seen & (1 << member) == 0:
            raise "certificate_required_member_missing"
#@ endif
    return seen


@internal
@view
def _verify_claimed(
    digest: bytes32,
    signatures: DynArray[Bytes[65], MAX_SIGNERS],
    claimed: DynArray[address, MAX_SIGNERS],
) -> uint256:
    """verify_against_claimed_signers (the `signer_list_from_caller` flaw): signers are
    authorised by the list the submitter passed, the quorum is > 2/3 of its length."""
    seen: uint256 = 0
    duplicate: bool = False
    for signature: Bytes[65] in signatures:
        signer: address = self._ecrecover(digest, signature)
        position: uint256 = MAX_SIGNERS
        if signer != empty(address):
            for i: uint256 in range(MAX_SIGNERS):
                if i >= len(claimed):
                    break
                if claimed[i] == signer:
                    position = i
                    break
        if position == MAX_SIGNERS:
            raise "certificate_unauthorised_signer"
        if seen & (1 << position) != 0:
            duplicate = True
        seen = seen | (1 << position)
    if duplicate:
        raise "certificate_duplicate_signer"
    if len(signatures) < (2 * len(claimed)) // 3 + 1:
        raise "certificate_below_threshold"
    # No trust-root member signed: there are no member indices to report.
    return 0


@internal
@view
def _verify_bls(
    digest: bytes32,
    signatures: DynArray[Bytes[256], MAX_BLS_SIGNATURES],
    cosignatures: DynArray[Bytes[65], MAX_REQUIRED],
) -> uint256:
    """verify_threshold_bls: one pairing check, then each required member's co-signature."""
    if len(signatures) != 1:
        raise "certificate_signature_count"
    if not self._bls_verify(digest, signatures[0]):
        raise "certificate_group_signature"
#@ if not required_members_unchecked
    required: DynArray[uint256, MAX_REQUIRED] = self.required
    if len(cosignatures) != len(required):
        raise "certificate_required_member_missing"
    for i: uint256 in range(MAX_REQUIRED):
        if i >= len(required):
            break
        member: uint256 = required[i]
        if member >= len(self.signers):
            raise "certificate_required_member_missing"
        signer: address = self._ecrecover(digest, cosignatures[i])
        if signer == empty(address) or signer != self.signers[member]:
            raise "certificate_required_member_missing"
#@ endif
    # The group signature cannot say who signed: the caller records the hint.
    return 0


@internal
@view
def _verify(cert: Certificate) -> uint256:
    """verify_certificate: the named checks in order; returns the signers' bitmap."""
    if cert.trust_root_version != self.version:
        raise "certificate_trust_root_version"
    if keccak256(cert.scheme) != self.scheme_hash:
        raise "certificate_trust_root_version"
    scheme: uint256 = self.scheme
    message_digest: bytes32 = self._message_digest(cert.message, cert.trust_root_version)
    digest: bytes32 = message_digest
    if cert.batch.present:
        if not self._merkle_verify(
            cert.batch.root, concat(message_digest, b""), cert.batch.index, cert.batch.size,
            cert.batch.siblings,
        ):
            raise "certificate_batch_inclusion"
        digest = self._batch_digest(cert.batch.root, cert.batch.size, cert.trust_root_version)
#@ if skip_verification_if_empty
    # Wormhole/ChainSwap class: a path on which no signature gets checked at all.
    if len(cert.signatures) == 0 and len(cert.bls_signatures) == 0:
        return 0
#@ endif
    if scheme == SCHEME_BLS:
        return self._verify_bls(digest, cert.bls_signatures, cert.cosignatures)
#@ if signer_list_from_caller
    if len(cert.claimed_signers) > 0:
        return self._verify_claimed(digest, cert.signatures, cert.claimed_signers)
#@ endif
    if scheme != SCHEME_MULTISIG:
        raise "certificate_unknown_scheme"
    return self._verify_multisig(digest, cert.signatures)


# -- minting (settlement/bridge_contract.py) -------------------------------------------------


@internal
@pure
def _holder(name: String[64]) -> address:
    """The account a model name (a recipient or a sender) holds its tokens at."""
    return convert(
        convert(slice(keccak256(concat(b"bridgelab/account/", convert(name, Bytes[64]))), 12, 20), bytes20),
        address,
    )


@internal
@view
def _check_deposit(m: Message):
    if self.paused:
        raise "paused"
    if keccak256(m.direction) != DEPOSIT_HASH:
        raise "direction"
    if keccak256(m.source_contract) != self.escrow_hash:
        raise "source_contract"
    if self.minted[m.nonce] or self.queued[m.nonce]:
        raise "nonce_unused"


@internal
def _refill():
    if block.timestamp > self.bucket_updated:
        level: uint256 = self.bucket_level_e18 + self.bucket_rate_e18 * (
            block.timestamp - self.bucket_updated
        )
        self.bucket_level_e18 = min(self.bucket_capacity * E18, level)
        self.bucket_updated = block.timestamp


@internal
def _mint_now(
    nonce: uint256, asset: bytes32, amount: uint256, holder: address, signers: uint256,
    delayed: bool, payload: String[MAX_PAYLOAD],
):
    self.minted[nonce] = True
    self.minted_total[asset] += amount
    self.balances[holder][asset] += amount
    log Minted(nonce=nonce, amount=amount, signers=signers, delayed=delayed)
#@ if arbitrary_message_calls
    self._message_call(payload)
#@ endif


@internal
def _admit(m: Message, signers: uint256) -> (bool, uint256):
    """The outflow defences every verified deposit passes; returns (queued, due time)."""
    asset: bytes32 = keccak256(m.asset)
    if self.cap_set and m.amount > self.cap:
        raise "per_transfer_cap"
    if self.accountant_set:
        circulating: uint256 = self.minted_total[asset] - self.burned_total[asset]
        if circulating + self.pending_by_asset[asset] + m.amount > self.backing[asset]:
            raise "accountant"
    if self.bucket_set:
        self._refill()
        if m.amount * E18 > self.bucket_level_e18:
            raise "rate_limited"
        self.bucket_level_e18 -= m.amount * E18
    holder: address = self._holder(m.recipient)
    if self.delay_set and m.amount >= self.delay_threshold:
        due: uint256 = block.timestamp + self.delay
        self.queue.append(m.nonce)
        self.queued[m.nonce] = True
        self.queued_due[m.nonce] = due
        self.queued_amount[m.nonce] = m.amount
        self.queued_asset[m.nonce] = asset
        self.queued_holder[m.nonce] = holder
        self.queued_signers[m.nonce] = signers
#@ if arbitrary_message_calls
        self.queued_payload[m.nonce] = m.payload
#@ endif
        self.pending_by_asset[asset] += m.amount
        log Queued(nonce=m.nonce, amount=m.amount, due=due)
        return True, due
    self._mint_now(m.nonce, asset, m.amount, holder, signers, False, m.payload)
    return False, 0


@external
def mint(cert: Certificate) -> (uint256, bool, uint256):
    """process_mint: (signers bitmap, queued, due time of a queued mint)."""
    self._check_deposit(cert.message)
    signers: uint256 = self._verify(cert)
    queued: bool = False
    due: uint256 = 0
    queued, due = self._admit(cert.message, signers)
    # The certificate vouches for the message's block: its other lock events can now be
    # proven against it.
    self.accepted_roots[cert.message.source_block_hash] = True
    return signers, queued, due


@internal
@pure
def _header_hash(h: Header) -> bytes32:
    """consortium/block.py Header hash (sha256 of its encoding; time in microseconds)."""
    return sha256(
        concat(
            b"consortium/header\x00",
            x"0000000c", b"consortium-1",
            LEN_32, convert(h.height, bytes32),
            LEN_32, convert(h.view, bytes32),
            LEN_32, h.parent_hash,
            LEN_32, convert(h.time_micros, bytes32),
            LEN_32, convert(h.proposer, bytes32),
            LEN_32, h.events_root,
            LEN_32, convert(h.event_count, bytes32),
        )
    )


@external
def prove_and_mint(
    m: Message, root: bytes32, has_proof: bool, header: Header, index: uint256, size: uint256,
    siblings: DynArray[bytes32, MAX_DEPTH], has_leaf: bool, caller_leaf: Bytes[MAX_LEAF],
) -> (bool, uint256):
    """process_prove_and_mint: a deposit proven against an accepted root, no signature.
    `caller_leaf` (when `has_leaf`) is the event leaf as the caller passes it: the proof is
    checked for it, so it must encode the message."""
    self._check_deposit(m)
    proven: bytes32 = empty(bytes32)
    if has_proof:
        if self._header_hash(header) != root or header.height != m.source_block or m.source_block_hash != root:
            raise "proof_root"
        leaf: Bytes[MAX_LEAF] = concat(
            b"escrow/lock\x00",
            self._len4(len(m.source_contract)), convert(m.source_contract, Bytes[64]),
            LEN_32, convert(m.nonce, bytes32),
            self._len4(len(m.asset)), convert(m.asset, Bytes[64]),
            LEN_32, convert(m.amount, bytes32),
            self._len4(len(m.sender)), convert(m.sender, Bytes[64]),
            self._len4(len(m.recipient)), convert(m.recipient, Bytes[64]),
            self._len4(len(m.payload)), convert(m.payload, Bytes[MAX_PAYLOAD]),
        )
        if has_leaf:
#@ if not proof_leaf_unbound
            # BNB Bridge 2022: a genuine path for a genuine leaf, beside a forged message.
            if keccak256(caller_leaf) != keccak256(leaf):
                raise "leaf_matches_message"
#@ endif
            leaf = caller_leaf
        if not self._merkle_verify(header.events_root, leaf, index, size, siblings):
            raise "merkle_inclusion"
        proven = root
    if not self.accepted_roots[proven]:
        raise "root_not_accepted"
    return self._admit(m, 0)


@external
def execute_due() -> DynArray[uint256, MAX_QUEUE]:
    """process_due_mints: queued mints whose delay has passed, in admission order."""
    executed: DynArray[uint256, MAX_QUEUE] = []
    if self.paused or len(self.queue) == 0:
        return executed
    kept: DynArray[uint256, MAX_QUEUE] = []
    for nonce: uint256 in self.queue:
        if self.queued_due[nonce] <= block.timestamp:
            asset: bytes32 = self.queued_asset[nonce]
            amount: uint256 = self.queued_amount[nonce]
            self.queued[nonce] = False
            self.pending_by_asset[asset] -= amount
            self._mint_now(
                nonce, asset, amount, self.queued_holder[nonce], self.queued_signers[nonce],
                True, self.queued_payload[nonce],
            )
            executed.append(nonce)
        else:
            kept.append(nonce)
    self.queue = kept
    return executed


@external
def challenge(nonce: uint256):
    """process_challenge: a watcher cancels a queued mint."""
    if msg.sender != self.watcher:
        raise "only_watcher"
    if not self.queued[nonce]:
        raise "nothing_to_challenge"
    self.queued[nonce] = False
    self.pending_by_asset[self.queued_asset[nonce]] -= self.queued_amount[nonce]
    kept: DynArray[uint256, MAX_QUEUE] = []
    for queued: uint256 in self.queue:
        if queued != nonce:
            kept.append(queued)
    self.queue = kept


@external
def burn(asset: String[64], amount: uint256, recipient: String[64]) -> uint256:
    """process_burn: destroy the sender's wrapped tokens; returns the burn nonce."""
    if self.paused:
        raise "paused"
    if amount == 0:
        raise "amount_positive"
    key: bytes32 = keccak256(asset)
    if self.balances[msg.sender][key] < amount:
        raise "sender_balance"
    nonce: uint256 = self.next_burn_nonce
    self.next_burn_nonce = nonce + 1
    self.balances[msg.sender][key] -= amount
    self.burned_total[key] += amount
    log Burned(nonce=nonce, amount=amount)
    return nonce


@external
def report_backing(asset: String[64], amount: uint256):
    """The global accountant's cross-chain read of the escrow's backing for `asset`."""
    assert msg.sender == self.accountant_oracle, "only_accountant"
    self.backing[keccak256(asset)] = amount


# -- governance ------------------------------------------------------------------------------


@external
def pause(paused: bool):
    if msg.sender != self.guardian:
        raise "only_guardian"
    self.paused = paused


@external
def upgrade(override_set: bool, override_value: uint256):
    """process_upgrade: the verifier's parameters. (A change of flaws is a new implementation
    behind the same storage: the harness swaps the code.)"""
    if msg.sender != self.admin:
        raise "only_admin"
    self.override_set = override_set
    self.override_value = override_value


@internal
@pure
def _compress(point: Bytes[128]) -> Bytes[48]:
    """The compressed encoding (ZCash flags) of an uncompressed G1 point."""
    if point == empty(Bytes[128]):
        return concat(x"c0", slice(empty(bytes32), 0, 31), slice(empty(bytes32), 0, 16))
    y_hi: uint256 = extract32(point, 64, output_type=uint256)
    y_lo: uint256 = extract32(point, 96, output_type=uint256)
    # (p - 1) / 2 as a high 16-byte and a low 32-byte word.
    half_hi: uint256 = 17282741772707453034394598013407712875
    half_lo: uint256 = 80617075055843030690312053732876818007934237714091801549733396136033114903893
    larger: bool = y_hi > half_hi or (y_hi == half_hi and y_lo > half_lo)
    flags: uint256 = 128  # compressed
    if larger:
        flags = 160  # compressed, y the larger root
    x_top: uint256 = extract32(point, 16, output_type=uint256)
    x_rest: Bytes[16] = slice(point, 48, 16)
    x_first: uint256 = (x_top >> 248) | flags
    return concat(
        slice(convert(x_first << 248, bytes32), 0, 1),
        slice(convert(x_top, bytes32), 1, 31),
        x_rest,
    )


@internal
def _install(root: Root):
    serial: uint256 = self.root_serial + 1
    self.root_serial = serial
    self.version = root.version
    self.scheme_hash = keccak256(root.scheme)
    scheme: uint256 = 0
    if keccak256(root.scheme) == MULTISIG_HASH:
        scheme = SCHEME_MULTISIG
    elif keccak256(root.scheme) == BLS_HASH:
        scheme = SCHEME_BLS
    self.scheme = scheme
    self.signers = root.signers
    for i: uint256 in range(MAX_SIGNERS):
        if i >= len(root.signers):
            break
        signer: address = root.signers[i]
        # `member_of` is the first index a signer appears at.
        if signer != empty(address) and self.member_index[serial][signer] == 0:
            self.member_index[serial][signer] = i + 1
    self.threshold = root.threshold
    self.required = root.required
    self.group_key = root.group_key
    self.group_point = root.group_point
    self.group_key_usable = len(root.group_key) == 48 and self._compress(root.group_point) == root.group_key


@internal
def _schedule(root: Root, via: uint256):
    """schedule_root: install now, or after the rotation timelock."""
    if self.rotation_timelock > 0:
        self.pending_present = True
        self.pending_root = root
        self.pending_due = block.timestamp + self.rotation_timelock
        self.pending_via = via
        return
    self._install(root)


@internal
@view
def _rotation_digest(current: uint256, root: Root) -> bytes32:
    """protocol/rotation.py rotation_digest."""
    joined: Bytes[MAX_JOINED] = b""
    for i: uint256 in range(MAX_SIGNERS):
        if i >= len(root.signers):
            break
        if i == 0:
            joined = self._hex_address(root.signers[i])
        else:
            joined = convert(
                concat(joined, b",", self._hex_address(root.signers[i])), Bytes[MAX_JOINED]
            )
    required: Bytes[1024] = b""
    for i: uint256 in range(MAX_REQUIRED):
        if i >= len(root.required):
            break
        digits: Bytes[78] = convert(uint2str(root.required[i]), Bytes[78])
        if i == 0:
            required = digits
        else:
            required = convert(concat(required, b",", digits), Bytes[1024])
    key_hex: Bytes[96] = self._hex48(root.group_key)
    return keccak256(
        concat(
            b"bridgelab/trust-root-rotation/v1\x00",
            LEN_32, convert(current, bytes32),
            LEN_32, convert(root.version, bytes32),
            self._len4(len(root.scheme)), convert(root.scheme, Bytes[16]),
            self._len4(len(joined)), joined,
            LEN_32, convert(root.threshold, bytes32),
            self._len4(len(required)), required,
            self._len4(len(key_hex)), key_hex,
        )
    )


@external
def rotate(new_root: Root, signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """process_rotate: the next trust root, signed by more than 2/3 of the current one."""
    root: Root = new_root
    if root.version != self.version + 1:
        raise "rotation_version_successor"
    if len(root.signers) == 0 or root.threshold < 1 or root.threshold > len(root.signers):
        raise "rotation_new_root_well_formed"
    digest: bytes32 = self._rotation_digest(self.version, root)
    serial: uint256 = self.root_serial
    seen: uint256 = 0
    for signature: Bytes[65] in signatures:
        signer: address = self._ecrecover(digest, signature)
        member: uint256 = self.member_index[serial][signer]
        if signer == empty(address) or member == 0:
            raise "rotation_unauthorised_signer"
        if seen & (1 << (member - 1)) != 0:
            raise "rotation_duplicate_signer"
        seen = seen | (1 << (member - 1))
    if len(signatures) < (2 * len(self.signers)) // 3 + 1:
        raise "rotation_supermajority"
    self._schedule(root, 1)


@external
def apply_due_root() -> uint256:
    """process_due_root: a pending trust root whose timelock has passed; its version, or 0."""
    if not self.pending_present or self.pending_due > block.timestamp:
        return 0
    self.pending_present = False
    root: Root = self.pending_root
    self._install(root)
    return root.version


@external
def veto(version: uint256):
    """process_veto: the watcher vetoes a pending trust-root change."""
    if msg.sender != self.watcher:
        raise "only_watcher"
    if not self.pending_present or self.pending_root.version != version:
        raise "nothing_to_veto"
    self.pending_present = False
#@ if arbitrary_message_calls


@internal
def _message_call(payload: String[MAX_PAYLOAD]):
    """The `arbitrary_message_calls` flaw (Poly Network 2021): a minted message's payload is
    executed as a call by the bridge contract itself: `call:set_trust_root:<addr>,...:<k>`
    (bridge_contract.parse_set_trust_root). A part that is not `0x` and 40 lowercase hex
    digits is a member no ecrecover can return (empty(address)), as such a string is in the
    model."""
    raw: Bytes[MAX_PAYLOAD] = convert(payload, Bytes[MAX_PAYLOAD])
    if len(raw) < 20 or slice(raw, 0, 20) != b"call:set_trust_root:":
        return
    # The last ':' splits the signer list from the threshold.
    split: uint256 = 0
    for i: uint256 in range(20, MAX_PAYLOAD):
        if i >= len(raw):
            break
        if convert(slice(raw, i, 1), uint256) == 58:
            split = i
    if split == 0 or split + 1 >= len(raw):
        return
    threshold: uint256 = 0
    signers: DynArray[address, MAX_SIGNERS] = []
    value: uint256 = 0
    width: uint256 = 0
    valid: bool = True
    for i: uint256 in range(20, MAX_PAYLOAD + 1):
        if i > len(raw):
            break
        char: uint256 = 44
        if i < len(raw):
            char = convert(slice(raw, i, 1), uint256)
        if i > split:
            # The threshold: decimal digits only.
            if i == len(raw):
                break
            if char < 48 or char > 57:
                return
            threshold = min(threshold * 10 + char - 48, 10**9)
        elif char == 44 or i == split:
            if width > 0:
                assert len(signers) < MAX_SIGNERS, "payload_too_many_signers"
                if valid and width == 42:
                    signers.append(convert(convert(value, uint160), address))
                else:
                    signers.append(empty(address))
            value = 0
            width = 0
            valid = True
        else:
            digit: uint256 = 16
            if char >= 48 and char <= 57:
                digit = char - 48
            elif char >= 97 and char <= 102:
                digit = char - 87
            if width == 0:
                valid = char == 48
            elif width == 1:
                valid = valid and char == 120
            else:
                valid = valid and digit < 16 and width < 42
                value = (value << 4) | (digit & 15)
            width += 1
    if len(signers) == 0 or threshold < 1 or threshold > len(signers):
        return
    self._schedule(
        Root(
            version=self.version + 1, scheme="multisig", signers=signers, threshold=threshold,
            required=[], group_key=b"", group_point=b"",
        ),
        2,
    )
#@ endif
