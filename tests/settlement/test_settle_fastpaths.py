"""The settlement, workload and network fast paths change cost, not meaning: each is run
against the plain way of doing the same thing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.history import History
from bridgelab.protocol.messages import BridgeMessage, Certificate
from bridgelab.settlement.transactions import BackgroundTx, BurnTx, Fee, MintTx

NODES = ("a", "b", "c", "d", "e")


KEYS = (("deposit", 1), ("deposit", 2), ("withdrawal", 1))
TX_IDS = ("t0", "t1", "t2")


def _mint(tx_id: str, key: tuple[str, int], max_fee: int) -> MintTx:
    direction, nonce = key
    message = BridgeMessage(direction, nonce, "USDC", 5, "alice", "bob", "escrow", 1,
                            bytes(32))
    certificate = Certificate(message, 1, "multisig", (), ())
    return MintTx(tx_id, "relayer-0", 0.0, Fee(100_000, 10**9, max_fee), certificate)


operations = st.lists(st.one_of(
    st.tuples(st.just("mint"), st.sampled_from(TX_IDS), st.sampled_from(KEYS),
              st.sampled_from([1, 10**30])),
    st.tuples(st.just("burn"), st.sampled_from(TX_IDS), st.sampled_from([1, 10**30])),
    st.tuples(st.just("background"), st.sampled_from(TX_IDS), st.integers(0, 3)),
    st.tuples(st.just("drop"), st.sampled_from(TX_IDS), st.sampled_from(["mint", "burn"])),
    st.tuples(st.just("drop_where"), st.sampled_from(KEYS)),
    st.tuples(st.just("slot")),
    st.tuples(st.just("reorg"), st.integers(1, 3)),
), min_size=1, max_size=30)


@settings(max_examples=80, deadline=None)
@given(plan=operations)
def test_the_mempool_s_counts_answer_what_looking_through_it_answers(plan):
    """Bids submitted, replaced, dropped by any predicate, taken into blocks, expired and
    returned by reorgs: whether a message's mint, or a transaction of a kind and id, waits
    is what a pass over the pending transactions says, and dropping one by its id drops
    what the same predicate drops."""
    from bridgelab.runner import build
    from tests.conftest import small_scenario

    settlement = build(small_scenario(), 1, History()).settlement
    kinds = {"mint": MintTx, "burn": BurnTx}

    def looked_up() -> list[bool]:
        return [settlement.mempool.has_mint(key) for key in KEYS] + [
            settlement.mempool.has_tx(tx_id, kind)
            for tx_id in TX_IDS for kind in (MintTx, BurnTx, BackgroundTx)]

    def looked_through() -> list[bool]:
        txs = [pending.tx for pending in settlement.mempool]
        return [any(isinstance(tx, MintTx) and tx.certificate.message.key == key
                    for tx in txs) for key in KEYS] + [
            any(isinstance(tx, kind) and tx.tx_id == tx_id for tx in txs)
            for tx_id in TX_IDS for kind in (MintTx, BurnTx, BackgroundTx)]

    for operation in plan:
        action = operation[0]
        if action == "mint":
            settlement.submit(_mint(operation[1], operation[2], operation[3]))
        elif action == "burn":
            settlement.submit(BurnTx(operation[1], "alice", 0.0,
                                     Fee(60_000, 10**9, operation[2]), "USDC", 5, "alice"))
        elif action == "background":
            settlement.submit(BackgroundTx(operation[1], "background", 0.0,
                                           Fee(100_000, 10**9), settlement._slot + operation[2]))
        elif action == "drop":
            kind = kinds[operation[2]]
            matching = sum(1 for pending in settlement.mempool
                           if isinstance(pending.tx, kind) and pending.tx.tx_id == operation[1])
            assert settlement.mempool.drop_tx(operation[1], kind) == matching
        elif action == "drop_where":
            settlement.mempool.drop(lambda tx, key=operation[1]: isinstance(tx, MintTx)
                                    and tx.certificate.message.key == key)
        elif action == "slot":
            settlement._slot += 1
            settlement._produce(settlement._slot)
        else:
            settlement.reorg(operation[1])
        assert looked_up() == looked_through()
