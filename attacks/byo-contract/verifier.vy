# pragma version ~=0.4.3
"""
@title A user's own bridge verifier (a deliberately flawed example)
@notice Mints a deposit once more than `threshold` distinct signers of the trust root have
        signed its digest. bridgelab's walk-through (docs/evm.md) breaks it.
@dev    Two flaws, on purpose. An empty signature list skips the signature check altogether
        (the Wormhole 2022 class): delete the `if len(signatures) > 0:` line and dedent its
        block. And `digest` is the caller's argument, never derived from `nonce` and
        `amount`, so an honest certificate's digest and signatures pay any forged deposit:
        the campaign's `unbound-digest` arm still breaks the contract once the first is fixed.
"""

MAX_SIGNERS: constant(uint256) = 128
HALF_ORDER: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168

signer_index: HashMap[address, uint256]  # 1-based; 0: not a signer
threshold: public(uint256)
version: public(uint256)
minted: public(HashMap[uint256, bool])
supply: public(uint256)


@deploy
def __init__(signers: DynArray[address, MAX_SIGNERS], threshold: uint256, version: uint256):
    for i: uint256 in range(len(signers), bound=MAX_SIGNERS):
        self.signer_index[signers[i]] = i + 1
    self.threshold = threshold
    self.version = version


@internal
@pure
def _recover(digest: bytes32, signature: Bytes[65]) -> address:
    if len(signature) != 65:
        return empty(address)
    r: uint256 = extract32(signature, 0, output_type=uint256)
    s: uint256 = extract32(signature, 32, output_type=uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    if (v != 27 and v != 28) or r == 0 or s == 0 or s > HALF_ORDER:
        return empty(address)
    return ecrecover(digest, v, r, s)


@external
def submit(digest: bytes32, version: uint256, nonce: uint256, amount: uint256,
           signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    assert version == self.version, "wrong version"
    assert not self.minted[nonce], "already minted"
    if len(signatures) > 0:  # the flaw: nothing below runs for an empty list
        seen: uint256 = 0
        for signature: Bytes[65] in signatures:
            signer: address = self._recover(digest, signature)
            index: uint256 = self.signer_index[signer]
            assert signer != empty(address) and index != 0, "not a signer"
            bit: uint256 = 1 << (index - 1)
            assert seen & bit == 0, "duplicate signer"
            seen = seen | bit
        assert len(signatures) >= self.threshold, "below threshold"
    self.minted[nonce] = True
    self.supply += amount
