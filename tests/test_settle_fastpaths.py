"""The settlement, workload and network fast paths change cost, not meaning: each is run
against the plain way of doing the same thing."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.history import History
from bridgelab.core.network import Network
from bridgelab.core.rng import Streams
from bridgelab.core.world import CountingEnvironment
from bridgelab.scenario.base import Fixed, Uniform

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
