"""The history holds the bridge's events only: the checker reads it and writes nothing back.
Violations go to the results; the custody and network figures are read from the last event."""

from __future__ import annotations

from bridgelab.runner import Bridge, run
from bridgelab.scenario import parse_scenario
from tests.report.report_fixtures import scenario_data


def _run(name: str):
    captured: list[Bridge] = []
    result = run(parse_scenario(scenario_data(name), name), 1, keep_history=True,
                 setup=captured.append)
    return result, captured[0]


def test_a_failing_run_records_no_violation_and_names_its_exploit_from_the_checker():
    result, bridge = _run("collusion-multisig")
    events = bridge.world.history.events
    assert result.violations, "the collusion breaks safety"
    assert all(event.kind != "violation" and event.actor != "monitor" for event in events)
    # Every violation names an event of the history, as it was recorded.
    by_seq = {event.seq: event for event in events}
    for violation in result.violations:
        event = by_seq[violation["event_seq"]]
        assert (event.kind, event.time) == (violation["event_kind"], violation["time"])
    first_safety = next(v for v in result.violations if v["property"].startswith("safety."))
    assert result.metrics["outcome"]["times"]["exploit"] == round(first_safety["time"], 6)
    assert "violation" not in result.metrics["events_by_kind"]


def test_custody_and_network_figures_come_from_the_last_event():
    result, bridge = _run("collusion-multisig")
    last = bridge.world.history.events[-1]
    assert last.kind == "run.end" and last.seq == result.history_events - 1
    stats = bridge.world.network.stats
    assert last.fields["network"] == result.metrics["network"] == {
        "sent": stats.sent, "delivered": stats.delivered, "lost": stats.lost,
        "cut": stats.cut, "overflowed": stats.overflowed}
    holder, seats = bridge.holders.largest_holding()
    assert last.fields["custody"] == result.metrics["custody"]
    assert result.metrics["custody"]["largest_holding"] == {"entity": holder, "seats": seats}
    assert result.metrics["custody"]["epoch"] == bridge.custody.epoch
    assert stats.sent > 0


def test_a_history_the_checker_cannot_read_is_named_not_judged(tmp_path):
    from bridgelab.checker.judge import judge_saved

    scenario = parse_scenario(scenario_data("honest-multisig"), "honest-multisig")
    history = tmp_path / "history.jsonl"
    history.write_text('{"seq":0,"t":0.0,"actor":"bridge","kind":"run.start"}\n'
                       '{"seq":1,"t":1.0,"actor":"x","kind":"lock","nonce":[]}\n')
    judgement, problem = judge_saved(history, scenario)
    assert judgement is None
    assert problem is not None and problem.startswith("history cannot be re-judged (line 2:")
