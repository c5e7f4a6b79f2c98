"""The simulation's fast paths change cost, not meaning: multicast against sends, inbox
hand-over, the step count, remembered verdicts."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bridgelab.checker.outcome import Outcome
from bridgelab.core.history import History
from bridgelab.core.latency import sample
from bridgelab.core.network import Network
from bridgelab.core.rng import Streams
from bridgelab.core.world import CountingEnvironment
from bridgelab.crypto.secp256k1 import EcdsaSigner
from bridgelab.protocol.messages import BridgeMessage, Certificate, TrustRoot
from bridgelab.protocol.verifier import VerifierConfig, verify_certificate
from bridgelab.scenario.base import Fixed, Uniform

NODES = ("a", "b", "c", "d", "e")


def _linked(seed: int, latency, loss: float, duplicate: float, capacity: int = 64,
            network_class: type[Network] = Network):
    """The nodes, every one linked to every other."""
    env = CountingEnvironment()
    network = network_class(env, Streams(seed), History(), latency, loss, capacity)
    for name in NODES:
        network.add_node(name, "node")
    network.connect_all(NODES, NODES)
    for src in NODES:
        for dst in NODES:
            if src != dst:
                network.set_link_property(src, dst, "duplicate", duplicate)
    return env, network


def _network(seed: int, latency, loss: float, duplicate: float, capacity: int = 64,
             network_class: type[Network] = Network):
    """Linked nodes, each with a reader that logs (time, node, message) as it receives."""
    env, network = _linked(seed, latency, loss, duplicate, capacity, network_class)
    received: list[tuple[float, str, object]] = []

    def reader(name: str):
        inbox = network.nodes[name].inbox
        while True:
            message = yield inbox.get()
            received.append((env.now, name, message))

    for name in NODES:
        env.process(reader(name))
    return env, network, received


latencies = st.one_of(
    st.builds(lambda value: Fixed(dist="fixed", value=value), st.sampled_from([0.0, 0.05, 1.0])),
    st.builds(lambda high: Uniform(dist="uniform", low=0.0, high=high),
              st.floats(0.01, 2.0)),
)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), latency=latencies, loss=st.sampled_from([0.0, 0.3]),
       duplicate=st.sampled_from([0.0, 0.4]),
       rounds=st.lists(st.lists(st.sampled_from(NODES[1:]), min_size=1, max_size=4,
                                unique=True), min_size=1, max_size=6))
def test_a_multicast_delivers_what_the_same_sends_deliver(seed, latency, loss, duplicate,
                                                          rounds):
    def drive(multicast: bool):
        env, network, received = _network(seed, latency, loss, duplicate)

        def sender():
            for number, recipients in enumerate(rounds):
                if multicast:
                    network.multicast("a", recipients, number)
                else:
                    for dst in recipients:
                        network.send("a", dst, number)
                yield env.timeout(0.5)

        env.process(sender())
        env.run(until=100)
        return sorted(received, key=repr), network.stats, env.steps

    by_multicast, multicast_stats, multicast_steps = drive(True)
    by_sends, send_stats, send_steps = drive(False)
    # The same random draws in the same order: the same messages at the same times.
    assert by_multicast == by_sends
    assert multicast_stats == send_stats
    assert multicast_steps <= send_steps


def test_a_broadcast_on_fixed_latency_links_costs_one_timer():
    steps = {}
    for multicast in (True, False):
        env, network, received = _network(1, Fixed(dist="fixed", value=0.05), 0.0, 0.0)
        env.run(until=1)  # the readers are waiting
        before = env.steps
        if multicast:
            assert network.multicast("a", ["b", "c", "d", "e"], "hello") == 4
        else:
            for dst in ("b", "c", "d", "e"):
                network.send("a", dst, "hello")
        env.run(until=2)
        steps[multicast] = env.steps - before
        assert [(time, name) for time, name, _ in received] == [
            (1.05, "b"), (1.05, "c"), (1.05, "d"), (1.05, "e")]
    # A broadcast is one timer; four sends are four. The readers resume as it is processed.
    assert steps[False] - steps[True] == 3


class _RoomFirst(Network):
    """The plain way of handing over: look for room in the inbox before anything else."""

    def _deliver_all(self, recipients, message, _timer):
        for dst in recipients:
            node = self.nodes[dst]
            if not node.up:
                self.stats.to_down_node += 1
            elif len(node.inbox.items) >= node.inbox.capacity:
                self.stats.overflowed += 1
            else:
                self.stats.delivered += 1
                assert node.inbox.offer(message)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), capacity=st.integers(1, 3),
       pauses=st.lists(st.sampled_from([0.0, 0.01, 0.3]), min_size=1, max_size=6),
       bursts=st.lists(st.integers(1, 5), min_size=1, max_size=6))
def test_an_inbox_with_a_waiting_reader_always_has_room(seed, capacity, pauses, bursts):
    """Readers that fall behind (their inboxes fill and overflow) and catch up: the same
    deliveries, drops and step count as looking for room before handing a message over."""

    def drive(network_class):
        env, network = _linked(seed, Fixed(dist="fixed", value=0.05), 0.0, 0.0, capacity,
                               network_class=network_class)
        received: list[tuple[float, str, object]] = []

        def reader(name: str):
            inbox = network.nodes[name].inbox
            for number in range(10_000):
                message = yield inbox.get()
                received.append((env.now, name, message))
                yield env.timeout(pauses[(number + NODES.index(name)) % len(pauses)])

        def sender():
            for number, burst in enumerate(bursts):
                for copy in range(burst):
                    network.multicast("a", NODES[1:], (number, copy))
                yield env.timeout(0.1)

        for name in NODES:
            env.process(reader(name))
        env.process(sender())
        env.run(until=20)
        return received, network.stats, env.steps

    assert drive(Network) == drive(_RoomFirst)


class _EachStepEachTime(Network):
    """The plain way of routing: each message looks its link up in the graph and takes
    every step (sender, cut, loss, latency, duplication) with no remembered links."""

    def _route(self, src, dst):
        stats = self.stats
        stats.sent += 1
        if not self.nodes[src].up:
            stats.to_down_node += 1
            _by(stats.downed_by, self.nodes[src].down_by)
            return None
        edge = self.graph.edges[src, dst]
        if self.is_cut(src, dst):
            stats.cut += 1
            if self.nodes[dst].up:
                _by(stats.cut_by, self._cut[(src, dst)][-1])
            return None
        if edge["loss"] > 0 and self._loss_rng.random() < edge["loss"]:
            stats.lost += 1
            _by(stats.lost_by, edge.get("loss_by", ""))
            return None
        delay = sample(edge["latency"], self._latency_rng)
        duplicate = edge.get("duplicate", 0.0)
        if duplicate > 0 and self._loss_rng.random() < duplicate:
            stats.duplicated += 1
            _by(stats.duplicated_by, edge.get("duplicate_by", ""))
            return delay, delay + sample(edge["latency"], self._latency_rng)
        return delay, None


def _by(counts, owner):
    """The per-attack count of what an attack struck ("" is no attack's)."""
    if owner:
        counts[owner] = counts.get(owner, 0) + 1


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32), latency=latencies,
       plan=st.lists(st.tuples(
           st.sampled_from(["send", "send", "multicast", "multicast", "cut", "restore",
                            "down", "up", "lossy", "duplicating", "plain", "relink",
                            "strike", "unstrike"]),
           # Mostly the links between three nodes, so that changes meet later sends.
           st.sampled_from(NODES[:3]), st.lists(st.sampled_from(NODES[:4]), max_size=4)),
           min_size=1, max_size=16))
def test_remembered_plain_links_send_what_looking_each_link_up_sends(seed, latency, plan):
    """Sends and multicasts between changes to the links (cut, loss, duplication, a new
    latency) and to the nodes: the same deliveries, counts, step count and random draws
    as working out every step for every message."""

    def drive(network_class):
        env, network, received = _network(seed, latency, 0.0, 0.0, network_class=network_class)

        def driver():
            for number, (action, node, others) in enumerate(plan):
                others = [other for other in others if other != node]
                first = others[0] if others else NODES[(NODES.index(node) + 1) % 5]
                if action == "send":
                    network.send(node, first, number)
                elif action == "multicast":
                    network.multicast(node, others, number)
                elif action == "cut":
                    network.cut(node, first, "test")
                elif action == "restore":
                    network.restore(node, first, "test")
                elif action in ("down", "up"):
                    network.nodes[node].up = action == "up"
                    network.nodes[node].down_by = "crash" if action == "down" else ""
                elif action == "strike":
                    network.strike_link(node, first, "loss", 0.5, "loss-attack")
                    network.strike_link(node, first, "duplicate", 0.5, "copy-attack")
                elif action == "unstrike":
                    network.unstrike_link(node, first, "loss", "loss-attack")
                    network.unstrike_link(node, first, "duplicate", "copy-attack")
                elif action == "relink":
                    network.connect(node, first, Fixed(dist="fixed", value=0.2))
                else:
                    loss = 0.5 if action == "lossy" else 0.0
                    network.set_link_property(node, first, "loss", loss)
                    duplicate = 0.5 if action == "duplicating" else 0.0
                    network.set_link_property(node, first, "duplicate", duplicate)
                # Every link between the three nodes carries a message after each change.
                for src in NODES[:3]:
                    network.multicast(src, [dst for dst in NODES[:3] if dst != src], number)
                    network.send(src, NODES[(NODES.index(src) + 1) % 3], number)
                yield env.timeout(0.1)

        env.process(driver())
        env.run(until=50)
        return (received, network.stats, env.steps, network._latency_rng.random(),
                network._loss_rng.random())

    assert drive(Network) == drive(_EachStepEachTime)


def _certificate(signers: list[EcdsaSigner], count: int) -> tuple[TrustRoot, Certificate]:
    root = TrustRoot(1, "multisig", tuple(signer.address for signer in signers), 3, ())
    message = BridgeMessage("deposit", 7, "USDC", 100, "alice", "bob", "escrow", 4, b"\x01" * 32)
    signatures = tuple(signer.sign_digest(message.digest(1)) for signer in signers[:count])
    return root, Certificate(message, 1, "multisig", signatures, tuple(range(count)))


def test_a_flawed_verifier_s_verdict_is_never_taken_for_the_correct_one():
    signers = [EcdsaSigner(bytes([index + 1]) * 32) for index in range(4)]
    root, one_signature = _certificate(signers, 1)
    flawed = VerifierConfig(threshold_override=1)
    # Either order: the memo keys on the configuration as well as the certificate.
    assert verify_certificate(root, VerifierConfig(), one_signature).check == (
        "below_threshold")
    assert verify_certificate(root, flawed, one_signature).ok
    assert verify_certificate(root, VerifierConfig(), one_signature).check == (
        "below_threshold")
    root, enough = _certificate(signers, 3)
    assert verify_certificate(root, VerifierConfig(), enough).ok
    tampered = Certificate(enough.message, 1, "multisig",
                           (enough.signatures[0],) * 3, enough.signer_hint)
    assert verify_certificate(root, VerifierConfig(), tampered).check == (
        "duplicate_signer")


def test_pending_mints_follow_the_mempool():
    from bridgelab.runner import build
    from bridgelab.settlement.transactions import Fee, MintTx
    from tests.conftest import small_scenario

    bridge = build(small_scenario(), 1, History())
    settlement = bridge.settlement
    signers = [EcdsaSigner(bytes([index + 1]) * 32) for index in range(4)]
    _root, certificate = _certificate(signers, 3)
    key = certificate.message.key

    def bid(tx_id: str) -> MintTx:
        return MintTx(tx_id, "relayer-0", 0.0, Fee(100_000, 10**9), certificate)

    assert not settlement.mempool.has_mint(key)
    settlement.submit(bid("a"))
    assert settlement.mempool.has_mint(key)
    assert settlement.mempool.drop(lambda tx: isinstance(tx, MintTx)) == 1
    assert not settlement.mempool.has_mint(key)
    settlement.submit(bid("b"))
    assert settlement.mempool.has_mint(key)
    # Taken into a block (where the contract refuses it): no longer pending.
    settlement.start()
    env = bridge.world.env
    env.run(until=env.now + 3 * settlement.config.slot_time)
    assert not settlement.mempool.has_mint(key)


def test_a_run_collects_young_objects_less_often_and_restores_the_setting():
    import gc

    from bridgelab.runner import YOUNG_GENERATION_THRESHOLD, run
    from tests.conftest import small_scenario

    before = gc.get_threshold()
    seen: list[int] = []

    def observe(bridge) -> None:
        def probe(env):
            yield env.timeout(1.0)
            seen.append(gc.get_threshold()[0])

        bridge.world.env.process(probe(bridge.world.env))

    run(small_scenario(), 1, setup=observe)
    assert seen == [YOUNG_GENERATION_THRESHOLD]
    assert gc.get_threshold() == before


def test_a_symbolic_bls_answer_is_not_reused_by_a_later_run():
    from bridgelab.crypto import symbolic

    backend = symbolic.symbolic_backend()
    symbolic.reset()
    pk = backend.sk_to_pk(12_345)
    signature = backend.sign(12_345, b"message")
    assert backend.verify(pk, b"message", signature)
    symbolic.reset()  # a later run, whose registry has not learnt this key
    # Its answer reads the registry, so it is never memoised: asked again, it is computed.
    assert not hasattr(type(backend).verify, "memo")
    assert not backend.verify(pk, b"message", signature)


def test_overlapping_runs_restore_the_collection_threshold_once_both_end():
    import gc

    from bridgelab.runner import YOUNG_GENERATION_THRESHOLD, _CollectionThreshold

    before = gc.get_threshold()
    scope = _CollectionThreshold()
    first, second = scope.during_run(), scope.during_run()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # runs in threads need not end in order
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before


# -- the outcome's running unbacked total ----------------------------------------------------------

assets = st.sampled_from(["CNY", "USDC", "ETH"])
amounts = st.integers(0, 1_000)
outcome_records = st.one_of(
    st.builds(lambda kind, asset, amount: {"kind": kind, "asset": asset, "amount": amount},
              st.sampled_from(["mint", "burn"]), assets, amounts),
    st.builds(lambda kind, asset, escrowed: {"kind": kind, "asset": asset, "escrowed": escrowed,
                                             "amount": 1, "recipient": "user-1"},
              st.sampled_from(["lock", "release"]), assets, amounts),
    st.builds(lambda items: {"kind": "settlement.reorg", "reverted": items},
              st.lists(st.builds(lambda kind, asset, amount: {"kind": kind, "asset": asset,
                                                              "amount": amount},
                                 st.sampled_from(["mint", "burn", "other"]), assets, amounts),
                       max_size=3)),
)


@settings(max_examples=200, deadline=None)
@given(records=st.lists(outcome_records, max_size=30))
def test_the_running_unbacked_total_is_the_sum_over_assets(records):
    fold = Outcome()
    peak = 0
    for time, record in enumerate(records):
        fold.add({**record, "t": float(time)})
        minted, burned, escrowed = fold.minted, fold.burned, fold.escrowed
        unbacked = sum(
            max(0, minted.get(a, 0) - burned.get(a, 0) - escrowed.get(a, 0))
            for a in sorted(minted.keys() | burned.keys() | escrowed.keys())
        )
        assert fold.unbacked_total == unbacked
        peak = max(peak, unbacked)
    result = fold.result()
    assert result["unbacked_minted_peak"] == peak
    assert result["unbacked_minted_final"] == fold.unbacked_total
