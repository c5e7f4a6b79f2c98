"""A forged transaction still pending when the run ends is never safe (audit of the hunt).

A 3-of-4 multisig, no defences, a demand spike priced the adversary's forged mint out of the
settlement mempool (its fee cap was 4 x the base fee at submission, and nothing re-bid it).
The honest relayers outbid the spike and finished; the run stopped at t=942 of its 3600 s,
the forgery still in the mempool, and exited 0 with every safety property passing. Now the
run goes on while a forgery waits (`Bridge.quiescent`), the adversary re-bids it
(`nemesis/inflight.py`), and the checker, from the history alone, calls a forgery with no
recorded outcome at the end inconclusive (`checker/pending.py`).
"""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from bridgelab.checker.monitor import Monitor
from bridgelab.core.history import Event, History
from bridgelab.runner import build, run
from bridgelab.scenario import parse_scenario

# /tmp/audit-hunt/spike-attacked.toml, as the audit ran it.
SPIKE_ATTACKED = """
[scenario]
name = "spike-attacked"
duration = 3600.0

[committee]
members = 4
threshold = 3
required = []
custody = "multisig"

[settlement]
finality_slots = 4

[[settlement.demand.spikes]]
start = 0.0
end = 600.0
factor = 4.0
priority_factor = 100.0

[workload]
users = 4
deposits = 10
withdrawals = 0
deposit_interval = 5.0

[[attacks]]
kind = "key.compromise"
targets = { members = [0, 1, 2] }
schedule = { at = 1.0 }
params = { amount = 10_000_000 }
"""
FORGED_NONCE = 1_000_000_001
FORGED_TX = "attack-0:key.compromise/mint1"
PENDING = "forged transaction(s) the adversary submitted were still pending"


def _scenario(duration: float = 3600.0) -> Any:
    data = tomllib.loads(SPIKE_ATTACKED)
    data["scenario"]["duration"] = duration
    return parse_scenario(data)


def _no_rebids(monkeypatch: pytest.MonkeyPatch) -> None:
    """The adversary leaves its first bid as it is, as before the fix."""
    from bridgelab.nemesis import inflight

    monkeypatch.setattr(inflight, "MAX_REBIDS", 0)


def _kinds(result_bridge: Any, kind: str) -> list[Event]:
    return [event for event in result_bridge.world.history.events if event.kind == kind]


def _run(duration: float = 3600.0) -> tuple[Any, Any]:
    captured: dict[str, Any] = {}
    result = run(_scenario(duration), 1, keep_history=True,
                 setup=lambda bridge: captured.update(bridge=bridge))
    return result, captured["bridge"]


def _safety_failed(result: Any) -> bool:
    return any(verdict == "fail" for prop, verdict in result.verdicts.items()
               if prop.startswith("safety."))


# -- the model: the run goes on, the forgery lands -------------------------------------------


def test_the_audit_s_priced_out_forgery_is_re_bid_lands_and_fails_safety():
    """The audit's scenario as it was: the forged mint now lands and safety fails."""
    result, bridge = _run()
    assert _safety_failed(result)
    minted = [e for e in _kinds(bridge, "mint") if e.fields["nonce"] == FORGED_NONCE]
    assert [e.fields["tx"] for e in minted] == [FORGED_TX]
    rebids = _kinds(bridge, "attack.rebid")
    assert rebids and {e.fields["tx"] for e in rebids} == {FORGED_TX}
    caps = [e.fields["max_fee"] for e in rebids]
    assert caps == sorted(caps) and len(set(caps)) == len(caps)  # each bid higher
    assert not any(PENDING in reason for reason in result.inconclusive)


def test_without_re_bids_the_run_goes_on_until_the_forgery_lands(monkeypatch):
    """The model's half alone: with its first bid only, the forgery waits for the base fee
    to fall back after the spike. The run used to stop at t=942 before it could."""
    _no_rebids(monkeypatch)
    result, bridge = _run()
    assert not _kinds(bridge, "attack.rebid")
    minted = [e for e in _kinds(bridge, "mint") if e.fields["nonce"] == FORGED_NONCE]
    assert len(minted) == 1 and minted[0].time > 942.0
    assert _safety_failed(result)


def test_the_campaign_and_the_bridge_wait_while_the_forgery_is_in_the_mempool(monkeypatch):
    """At t=300 the forgery still waits: the adaptive campaign (no limits configured) keeps
    watching it, so its attack has not finished, and the bridge is not quiescent."""
    _no_rebids(monkeypatch)
    bridge = build(_scenario(), 1, History(None, keep=False))
    bridge.start()
    bridge.world.env.run(until=300.0)
    assert bridge.settlement.mempool.has_tx(FORGED_TX, object)
    assert bridge.adversary is not None and bridge.adversary.in_flight
    assert not bridge.attacks[0].finished
    assert not bridge.quiescent()


# -- the checker: a forgery with no outcome at the end ---------------------------------------


def test_a_forgery_still_pending_when_the_run_ends_is_inconclusive(monkeypatch):
    """Without re-bids the forgery cannot land by t=900 (the base fee is still far above
    its cap): the run ends at its duration with it in the mempool, and is inconclusive
    rather than safe."""
    _no_rebids(monkeypatch)
    result, _bridge = _run(duration=900.0)
    assert not _safety_failed(result)
    pending = [reason for reason in result.inconclusive if PENDING in reason]
    assert pending == [
        f"1 {PENDING} when the run ended (the first: {FORGED_TX} of 10000000 to attacker,"
        " submitted by attack-0:key.compromise at t=1.0): what they would do was never judged"
    ]


def _event(seq: int, kind: str, actor: str = "bridge", **fields: Any) -> Event:
    return Event(seq, float(seq), actor, kind, fields)


def _submit(seq: int = 1, **fields: Any) -> Event:
    fields = {"tx": "x/mint1", "nonce": 7, "amount": 50, "recipient": "thief", **fields}
    return _event(seq, "attack.submit", "x", **{k: v for k, v in fields.items()
                                               if v is not None})


def _mint(seq: int, tx: str = "x/mint1", nonce: int = 7, **fields: Any) -> Event:
    return _event(seq, "mint", nonce=nonce, asset="A", amount=50, recipient="thief", tx=tx,
                  **fields)


def _pending_reasons(*events: Event) -> list[str]:
    """Only hand-made records: the forgery's own, then the run's end."""
    monitor = Monitor()
    for event in (*events, _event(99, "run.end", settled=True)):
        monitor.observe(event)
    return [reason for reason in monitor.inconclusive_reasons() if PENDING in reason]


SETTLED = {
    "minted": [_mint(2, number=3)],
    "queued": [_event(2, "mint.queued", nonce=7, asset="A", amount=50, recipient="thief",
                      due=500.0, tx="x/mint1", number=3)],
    "refused": [_event(2, "tx.reverted", "settlement", tx="x/mint1", tx_kind="mint",
                       check="bad_signature", number=3)],
    "turned away": [_event(2, "tx.dropped", "settlement", tx="x/mint1",
                           reason="mempool_full")],
    "minted, then reorganised away and minted again": [
        _mint(2, number=3),
        _event(3, "settlement.reorg", "settlement", depth=1, first_orphaned=3,
               cause="fork-choice", reverted=[]),
        _mint(4, number=3),
    ],
    "minted in a block the reorg left": [
        _mint(2, number=3),
        _event(3, "settlement.reorg", "settlement", depth=1, first_orphaned=4,
               cause="fork-choice", reverted=[]),
    ],
}


@pytest.mark.parametrize("outcome", sorted(SETTLED))
def test_a_forgery_whose_outcome_the_history_records_is_settled(outcome):
    assert _pending_reasons(_submit(), *SETTLED[outcome]) == []


PENDING_CASES = {
    "nothing recorded": [],
    "another transaction minted its nonce": [_mint(2, tx="relayer-0/mint9")],
    "its mint was reorganised away": [
        _mint(2, number=3),
        _event(3, "settlement.reorg", "settlement", depth=2, first_orphaned=2,
               cause="fork-choice", reverted=[]),
    ],
    "a reverted transaction of the same name on the consortium's orphaned branch": [
        _event(2, "tx.reverted", "escrow", tx="x/mint1", check="frozen", height=4, fork="a"),
    ],
}


@pytest.mark.parametrize("case", sorted(PENDING_CASES))
def test_a_forgery_the_history_never_settles_is_inconclusive(case):
    reasons = _pending_reasons(_submit(), *PENDING_CASES[case])
    assert reasons == [
        f"1 {PENDING} when the run ended (the first: x/mint1 of 50 to thief, submitted by x"
        " at t=1.0): what they would do was never judged"
    ]


def test_a_forged_release_is_settled_by_its_release_on_the_canonical_branch_only():
    submit = _submit(tx="x/release1", direction="withdrawal")
    release = {"nonce": 7, "asset": "A", "amount": 50, "recipient": "thief", "height": 4,
               "tx": "x/release1", "escrowed": 0}
    orphaned = _event(2, "release", "escrow", **release, fork="a")
    assert len(_pending_reasons(submit, orphaned)) == 1
    assert _pending_reasons(submit, orphaned, _event(3, "release", "escrow", **release)) == []


def test_a_submit_that_names_no_transaction_is_matched_by_its_nonce_or_stays_pending():
    """Histories recorded before `attack.submit` named its `tx`: a mint of the nonce settles
    it, a revert (which names only a transaction) cannot; naming neither, nothing can."""
    old = _submit(tx=None)
    assert _pending_reasons(old, _mint(2, tx="x/mint1")) == []
    assert len(_pending_reasons(old, _event(2, "tx.reverted", "settlement", tx="x/mint1",
                                            check="bad_signature", number=3))) == 1
    assert len(_pending_reasons(_submit(tx=None, nonce=None), _mint(2))) == 1


def test_two_pending_forgeries_are_counted_and_the_first_named():
    reasons = _pending_reasons(_submit(1, tx="x/mint1"), _submit(2, tx="x/mint2", nonce=8),
                               _submit(3, tx="x/mint3", nonce=9), _mint(4, tx="x/mint2", nonce=8))
    assert len(reasons) == 1 and reasons[0].startswith(f"2 {PENDING}")
    assert "the first: x/mint1 of 50" in reasons[0]
