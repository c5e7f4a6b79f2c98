"""The settlement, workload and network fast paths change cost, not meaning: each is run
against the plain way of doing the same thing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.history import History
from bridgelab.core.network import Network
from bridgelab.core.rng import Streams
from bridgelab.core.world import CountingEnvironment
from bridgelab.protocol.messages import BridgeMessage, Certificate
from bridgelab.scenario.base import Fixed, Uniform
from bridgelab.settlement.transactions import BackgroundTx, BurnTx, Fee, MintTx

NODES = ("a", "b", "c", "d", "e")


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**32),
       latency=st.sampled_from([Fixed(dist="fixed", value=0.0), Fixed(dist="fixed", value=0.5),
                                Uniform(dist="uniform", low=0.0, high=1.0)]),
       served=st.lists(st.booleans(), min_size=5, max_size=5),
       starts=st.lists(st.sampled_from([0.0, 0.5, 1.0, 1.5]), min_size=5, max_size=5),
       capacity=st.integers(1, 4),
       reactions=st.lists(st.tuples(st.sampled_from(["send", "multicast", "spawn", "none"]),
                                    st.sampled_from(NODES)), min_size=1, max_size=8),
       hops=st.integers(1, 4))
def test_a_served_inbox_hands_over_what_a_reader_process_would(
    seed, latency, served, starts, capacity, reactions, hops
):
    """Nodes whose reader starts late (messages wait, or overflow a small inbox, until
    then) and answer each message by sending, broadcasting or starting a process: serving
    an inbox gives the deliveries, in order, the drops and the step count of a reader
    process that hands each message to the same function."""

    def drive(serve: list[bool]):
        env = CountingEnvironment()
        network = Network(env, Streams(seed), History(), latency, 0.0, capacity)
        for name in NODES:
            network.add_node(name, "node")
        network.connect_all(NODES, NODES)
        log: list[tuple[object, ...]] = []

        def handle(name: str, hop: int) -> None:
            log.append((env.now, name, hop))
            if hop >= hops:
                return
            kind, target = reactions[(hop + NODES.index(name)) % len(reactions)]
            target = target if target != name else NODES[(NODES.index(name) + 1) % 5]
            if kind == "send":
                network.send(name, target, hop + 1)
            elif kind == "multicast":
                network.multicast(name, [n for n in NODES if n != name], hop + 1)
            elif kind == "spawn":
                def later():
                    log.append((env.now, name, "spawned"))
                    network.send(name, target, hop + 1)
                    yield env.timeout(0)
                    network.send(name, target, hop + 1)
                env.process(later())

        def reader(name: str):
            inbox = network.nodes[name].inbox
            while True:
                handle(name, (yield inbox.get()))

        def start(index: int, name: str):
            yield env.timeout(starts[index])
            log.append((env.now, name, "start"))
            if serve[index]:
                network.nodes[name].inbox.serve(lambda hop: handle(name, hop))
            else:
                env.process(reader(name))

        def sender():
            for number in range(3):
                network.multicast("a", list(NODES[1:]), 0)
                network.send("b", "a", 0)
                yield env.timeout(0.5 * number)

        for index, name in enumerate(NODES):
            env.process(start(index, name))
        env.process(sender())
        env.run(until=30)
        return log, network.stats, env.steps

    assert drive(served) == drive([False] * len(NODES))


@settings(max_examples=60, deadline=None)
@given(plan=st.lists(st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0]), max_size=5),
                     min_size=1, max_size=4))
def test_a_process_start_runs_where_a_process_s_first_step_would(plan):
    """Workers that wait (often no time at all) and then start something: a callback
    started with `process_start` runs where a process started then takes its first step,
    before the normal events due at that time; the process's end is the one event more."""

    def drive(use_start: bool):
        env = CountingEnvironment()
        log: list[tuple[object, ...]] = []

        def first_step(label):
            log.append((env.now, "started", label))

        def as_process(label):
            first_step(label)
            yield from ()

        def worker(index, delays):
            for number, delay in enumerate(delays):
                yield env.timeout(delay)
                log.append((env.now, index, number))
                if use_start:
                    env.process_start(lambda _event, label=(index, number): first_step(label))
                else:
                    env.process(as_process((index, number)))

        for index, delays in enumerate(plan):
            env.process(worker(index, delays))
        env.run()
        return log, env.steps

    (started_log, started_steps), (process_log, process_steps) = drive(True), drive(False)
    assert started_log == process_log
    assert process_steps - started_steps == sum(map(len, plan))


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
