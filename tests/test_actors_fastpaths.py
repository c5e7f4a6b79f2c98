"""The committee's, relayers' and crypto helpers' shortcuts give what the plain computation
gives: each test computes the answer from scratch and compares."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.actors.committee import CommitteeMember
from bridgelab.actors.wire import BurnProof
from bridgelab.settlement.chain import SettlementHeader

# -- a member's finality, one batch at a time -------------------------------------------------


def _header(number: int, salt: int = 0) -> SettlementHeader:
    return SettlementHeader(number, number, bytes([salt]) * 32, 0, b"\x00" * 32, 1, 0, 1)


class _Chain:
    """What a member reads of the settlement chain: final headers up to `finalized`."""

    def __init__(
        self, headers: dict[int, SettlementHeader], finalized: int, confirmations: int | None
    ) -> None:
        self.headers = headers
        self.finalized = finalized
        self.confirmations = confirmations

    def finalized_header(self, number: int) -> SettlementHeader | None:
        return self.headers.get(number) if number <= self.finalized else None

    def canonical_header(self, number: int) -> SettlementHeader | None:
        return self.headers.get(number)

    def depth_of(self, number: int) -> int:
        return max(self.headers) - number + 1


def _member(chain: _Chain) -> CommitteeMember:
    member = CommitteeMember.__new__(CommitteeMember)
    member.settlement = chain  # type: ignore[assignment]
    return member


# How a burn's header relates to the chain's: the chain's own object, an equal copy, another
# header at that number (a fork), or a number the chain has no block for.
HEADER_KINDS = st.sampled_from(["same", "equal", "other", "missing"])


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), HEADER_KINDS), min_size=1, max_size=8),
    st.integers(-1, 7),
    st.sampled_from([None, 1, 3]),
)
def test_a_batch_s_burns_are_final_exactly_when_each_burn_is(burns, finalized, confirmations):
    headers = {number: _header(number) for number in range(7)}
    proofs = []
    for number, kind in burns:
        if kind == "same":
            header = headers[number]
        elif kind == "equal":
            header = _header(number)
        else:
            header = _header(number + 10 if kind == "missing" else number, salt=1)
        proofs.append(BurnProof("relayer-0", None, header, b"", None))  # type: ignore[arg-type]
    member = _member(_Chain(headers, finalized, confirmations))
    expected = not any(member._finality(proof) for proof in proofs)
    assert member._burns_final(tuple(proofs)) is expected
