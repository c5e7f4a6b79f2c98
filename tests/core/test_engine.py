"""The engine (core/engine.py): SimPy pinned to the release whose internals it uses, a run
loop and step count that are SimPy's own, held event numbers that run where the event they
stand for would, readers resumed in place, and handlers served in a reader's place."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.core.engine import SIMPY_VERSION, CountingEnvironment, resume_now
from bridgelab.core.history import History
from bridgelab.core.inbox import Inbox
from bridgelab.core.network import Network
from bridgelab.core.rng import Streams
from bridgelab.scenario.base import Fixed, Uniform

NODES = ("a", "b", "c", "d", "e")
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_simpy_is_the_release_the_engine_was_written_for():
    pinned = re.search(r'"simpy==([^"]+)"', PYPROJECT.read_text())
    assert pinned is not None, "pyproject.toml must pin simpy exactly (simpy==X.Y.Z)"
    assert pinned.group(1) == SIMPY_VERSION, (
        f"pyproject.toml pins simpy=={pinned.group(1)} but core/engine.py says "
        f"SIMPY_VERSION = {SIMPY_VERSION!r}")
    installed = importlib.metadata.version("simpy")
    assert installed == SIMPY_VERSION, (
        f"SimPy {installed} is installed, but core/engine.py uses private fields of SimPy "
        f"{SIMPY_VERSION}: check the engine against SimPy {installed}'s Environment and "
        f"Event, then move the pin in pyproject.toml and SIMPY_VERSION together")


# -- the inbox ---------------------------------------------------------------------------------


def test_an_inbox_queues_when_no_one_waits_and_drops_past_its_capacity():
    env = CountingEnvironment()
    inbox = Inbox(env, 2)
    assert [inbox.offer(number) for number in range(3)] == [True, True, False]
    assert list(inbox.items) == [0, 1]


def test_an_inbox_s_get_is_an_event_like_simpy_s_own():
    env = CountingEnvironment()
    inbox = Inbox(env, 4)
    waiting = inbox.get()
    assert (waiting.triggered, waiting.processed, waiting.callbacks) == (False, False, [])
    assert inbox.offer("first") and waiting.ok and waiting.value == "first"
    inbox.offer("second")
    ready = inbox.get()
    assert (ready.triggered, ready.ok, ready.value, ready.processed) == (
        True, True, "second", False)
    assert env.peek() == 0 and env.steps == 0
    env.run()
    assert ready.processed and env.steps == 1


def test_a_reader_resumed_in_place_runs_before_the_call_returns():
    env = CountingEnvironment()
    log: list[object] = []
    event = env.event()

    def reader():
        log.append(("got", (yield event)))

    env.process(reader())
    env.run()  # the reader waits on `event`
    assert resume_now(event, "hello") and log == [("got", "hello")]
    assert event.processed and not resume_now(event, "again")


class _EveryStep(simpy.Environment):
    """The plain way of counting: one tick per processed event."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0

    def step(self) -> None:
        if self._queue:
            self.processed += 1
        super().step()


@settings(max_examples=40, deadline=None)
@given(plan=st.lists(st.lists(st.floats(0.0, 5.0), max_size=5), min_size=1, max_size=5),
       stop=st.one_of(st.none(), st.floats(0.5, 20.0)))
def test_the_step_count_is_the_number_of_processed_events(plan, stop):
    counted = []
    for env in (CountingEnvironment(), _EveryStep()):
        def worker(env, delays):
            for delay in delays:
                yield env.timeout(delay)

        for delays in plan:
            env.process(worker(env, delays))
        env.run(until=stop)
        env.run(until=None if stop is None else stop + 1)
        counted.append(env.steps if isinstance(env, CountingEnvironment) else env.processed)
    assert counted[0] == counted[1]


@settings(max_examples=60, deadline=None)
@given(plan=st.lists(st.lists(st.tuples(st.sampled_from(["wait", "fire", "fail", "any"]),
                                        st.sampled_from([0.0, 0.5, 1.0, 2.5])),
                              max_size=6), min_size=1, max_size=5),
       stops=st.lists(st.sampled_from([0.5, 1.0, 2.0, "event", "process"]),
                      max_size=3))
def test_the_run_loop_processes_what_simpy_s_own_would(plan, stops):
    """Processes that wait, trigger events for each other, fail them (caught by the waiter)
    and wait on conditions, run in stretches that end at a time, at an event or at a
    process's end: the same order, times, return values and step count as SimPy's loop."""

    def drive(env):
        log: list[object] = []
        shared = [env.event() for _ in plan]

        def worker(index: int, actions):
            for number, (kind, delay) in enumerate(actions):
                if kind == "wait":
                    yield env.timeout(delay, value=number)
                elif kind in ("fire", "fail"):
                    event = shared[(index + 1) % len(shared)]
                    if not event.triggered:
                        if kind == "fire":
                            event.succeed(number)
                        else:
                            event.fail(ValueError(index))
                    yield env.timeout(delay)
                else:
                    try:
                        # Waiting on the first worker as well: when a stretch of the run
                        # ends at that process, this is a callback left to run later.
                        got = yield shared[index] | env.timeout(delay) | workers[0]
                        log.append((env.now, index, "any", sorted(map(repr, got.values()))))
                    except ValueError as error:
                        log.append((env.now, index, "caught", error.args))
                log.append((env.now, index, number))
            return index

        workers = [env.process(worker(index, actions)) for index, actions in enumerate(plan)]
        for stop in stops:
            if stop == "event":
                until = env.timeout(1.0, value="stopped")
            elif stop == "process":
                until = workers[0]
            else:
                until = env.now + stop
            try:
                log.append(("returned", env.run(until=until)))
            except RuntimeError as error:  # the schedule ran out first
                log.append(("ran out", str(error).split(":")[0]))
                break
            except ValueError as error:  # a failure no process waited for
                log.append(("crashed", error.args))
                break
        else:
            try:
                log.append(("returned", env.run()))
            except ValueError as error:
                log.append(("crashed", error.args))
        steps = env.steps if isinstance(env, CountingEnvironment) else env.processed
        return log, env.now, steps

    assert drive(CountingEnvironment()) == drive(_EveryStep())


def test_a_failure_nothing_handles_ends_the_run_as_in_simpy():
    for env in (CountingEnvironment(), simpy.Environment()):
        env.event().fail(KeyError("lost"))
        with pytest.raises(KeyError) as raised:
            env.run()
        assert raised.value.args == ("lost",) and isinstance(raised.value.__cause__, KeyError)


def test_the_environment_binds_simpy_s_event_classes_once():
    env = CountingEnvironment()
    for name in ("event", "timeout", "process", "all_of", "any_of"):
        assert getattr(env, name) is getattr(env, name), name  # bound once, not per use
    event = env.event()
    assert type(event) is simpy.Event and event.env is env


# -- a served inbox against a reader process ------------------------------------------------------


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

    served_log, served_stats, served_steps = drive(served)
    read_log, read_stats, read_steps = drive([False] * len(NODES))
    assert (served_log, served_stats) == (read_log, read_stats)
    # A served inbox's process ends once it has caught up; a reader's never does.
    assert served_steps - read_steps == sum(served)
