"""The oracle: a seeded NAV, k-of-m reports on deviation or heartbeat, staleness and its cost."""

from __future__ import annotations

import ast
import functools
import itertools
import math
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bridgelab.checker import oracle_metrics
from bridgelab.core.history import History
from bridgelab.core.world import World
from bridgelab.oracle import OracleSystem, StalePrice, install_oracle
from bridgelab.scenario import Scenario, oracle_schema
from bridgelab.scenario.oracle_schema import Oracle
from tests.conftest import small_scenario

# A flat NAV observed without noise: every move in these runs is one the test makes.
QUIET = {"volatility": 0.0, "drift": 0.0, "jump_rate": 0.0, "noise": 0.0}
POLL = 30.0
LATENCY = 2.0


@functools.cache
def _scenario() -> Scenario:
    return small_scenario()


SLOT = _scenario().settlement.slot_time  # reports are included at the next settlement slot


def _install(seed: int = 1, **fields: Any) -> tuple[World, OracleSystem]:
    config = Oracle(enabled=True, poll_interval=POLL, observation_latency=LATENCY, **fields)
    world = World(_scenario(), seed, History())
    return world, install_oracle(world, config)


def _records(world: World) -> list[dict[str, Any]]:
    return [{"t": e.time, "kind": e.kind, **e.fields} for e in world.history.events]


def _updates(world: World, after: float = 0.0) -> list[dict[str, Any]]:
    return [r for r in _records(world) if r["kind"] == "oracle.update" and r["t"] > after]


def _metrics(world: World) -> dict[str, Any]:
    result = oracle_metrics.compute(_records(world), end=world.now)
    assert result is not None
    return result


def _at(world: World, at: float, action: Any) -> None:
    """Run `action` at simulated time `at` (the nemesis will do the same)."""

    def process():
        yield world.env.timeout(at - world.now)
        action()

    world.env.process(process())


# --- determinism ---------------------------------------------------------------------------


def _lines(seed: int) -> list[str]:
    world, _ = _install(seed, volatility=0.5, jump_rate=2_000.0)
    world.env.run(until=7_200)
    return [event.to_json() for event in world.history.events]


def test_same_seed_same_nav_path_and_feed_updates_different_seed_differs():
    first, again, other = _lines(1), _lines(1), _lines(2)
    assert first == again
    navs = [line for line in first if '"nav.update"' in line]
    feeds = [line for line in first if '"oracle.update"' in line]
    assert len(navs) > 20 and len(feeds) > 3
    assert navs != [line for line in other if '"nav.update"' in line]
    assert feeds != [line for line in other if '"oracle.update"' in line]


def test_nav_diffusion_realises_its_volatility():
    world, _ = _install(volatility=0.5, drift=0.0, jump_rate=0.0)
    world.env.run(until=86_400)
    values = [r["value"] for r in _records(world) if r["kind"] == "nav.update"]
    returns = [math.log(b / a) for a, b in itertools.pairwise(values)]
    # Moves below a basis point are folded into the next record, so the squares still add up.
    expected = 0.5**2 * 86_400 / (365 * 86_400)
    assert sum(r * r for r in returns) == pytest.approx(expected, rel=0.15)


def test_hazard_defaults_once_and_is_recorded():
    world, system = _install(default_hazard=1e5, write_down=0.25, **QUIET)
    world.env.run(until=7_200)
    defaults = [r for r in _records(world) if r["kind"] == "nav.default"]
    assert len(defaults) == 1 and defaults[0]["cause"] == "hazard"
    assert defaults[0]["after"] == 75.0 and system.nav.value == 75.0


# --- deviation and heartbeat ---------------------------------------------------------------


def test_flat_price_publishes_only_heartbeats():
    world, _ = _install(heartbeat=600.0, **QUIET)
    world.env.run(until=4_000)
    reports = [r for r in _records(world) if r["kind"] == "oracle.report"]
    assert reports and {r["reason"] for r in reports} == {"heartbeat"}
    times = [r["t"] for r in _updates(world)]
    assert len(times) == 7  # heartbeats at 0, 600, ..., 3600
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert all(abs(gap - 600.0) <= LATENCY + SLOT for gap in gaps)


def test_jump_beyond_deviation_updates_before_the_heartbeat():
    world, system = _install(heartbeat=3_600.0, deviation=0.005, **QUIET)
    system.nav.force_jump(1_000.0, -0.02)
    world.env.run(until=3_000)
    early = _updates(world, after=1_000.0)
    assert len(early) == 1
    assert early[0]["t"] <= 1_000.0 + POLL + LATENCY + SLOT
    assert early[0]["value"] == pytest.approx(98.0)


def test_move_within_deviation_waits_for_the_heartbeat():
    world, system = _install(heartbeat=3_600.0, deviation=0.005, **QUIET)
    system.nav.force_jump(1_000.0, -0.002)
    world.env.run(until=3_000)
    assert _updates(world, after=1_000.0) == []
    assert system.feed.latest().value == 100.0


# --- the default reaches consumers only through the oracle ---------------------------------


def _default_run(delay: float) -> tuple[World, OracleSystem]:
    world, system = _install(default_at=1_000.0, write_down=0.4, **QUIET)
    for reporter in system.reporters:
        reporter.delay = delay
    return world, system


def test_default_reaches_consumers_only_after_the_oracle_reports_it():
    delay = 900.0
    world, system = _default_run(delay)
    world.env.run(until=1_000.0 + delay - 60.0)
    assert system.nav.value == 60.0
    assert system.pricing.redeem_value(10) == 1_000.0  # still the pre-default NAV
    assert system.lending is not None and system.lending.liquidations == 0
    world.env.run(until=4_000)
    assert system.pricing.redeem_value(10) == 600.0
    summary = _metrics(world)["default"]
    assert summary["stale_window_s"] >= delay
    liquidations = [r for r in _records(world) if r["kind"] == "lending.liquidation"]
    assert liquidations, "a 40% write-down should liquidate someone"
    assert all(r["t"] >= summary["reported_at"] for r in liquidations)
    assert all(r["price"] == 60.0 for r in liquidations)


def test_default_stale_window_is_small_without_delay():
    world, _ = _default_run(0.0)
    world.env.run(until=4_000)
    assert _metrics(world)["default"]["stale_window_s"] <= POLL + LATENCY + SLOT


# --- staleness -----------------------------------------------------------------------------


def _silenced_run(silenced: int) -> tuple[World, OracleSystem]:
    world, system = _install(reporters=5, quorum=3, heartbeat=600.0, max_age=900.0, **QUIET)
    for reporter in system.reporters[:silenced]:
        _at(world, 100.0, lambda reporter=reporter: setattr(reporter, "silenced", True))
    world.env.run(until=3_000)
    return world, system


def test_fewer_than_quorum_reporters_make_the_feed_stale():
    world, system = _silenced_run(3)
    last = system.feed.latest()
    assert last.round == 1 and last.updated_at == SLOT  # the t=0 heartbeat, nothing since
    assert system.feed.is_stale(world.now)
    with pytest.raises(StalePrice):
        system.pricing.redeem_value(1)
    assert system.lending is not None and system.lending.paused
    assert system.lending.borrow(0, 1.0) is False
    kinds = [r["kind"] for r in _records(world)]
    assert "oracle.stale" in kinds and "lending.paused" in kinds and "lending.refused" in kinds
    stale = _metrics(world)["stale"]
    expected = world.now - (SLOT + 900.0)
    assert stale["total_s"] == pytest.approx(expected)
    assert stale["longest_s"] == pytest.approx(expected)
    assert stale["episodes"] == 1 and stale["stale_at_end"]


def test_a_quorum_of_reporters_keeps_the_feed_fresh():
    world, system = _silenced_run(2)
    assert not system.feed.is_stale(world.now)
    assert system.lending is not None and system.lending.borrow(0, 1.0) is True
    stale = _metrics(world)["stale"]
    assert stale["total_s"] == 0.0 and stale["episodes"] == 0


# --- manipulation --------------------------------------------------------------------------


def _manipulated(colluders: int) -> list[dict[str, Any]]:
    world, system = _install(
        reporters=5, quorum=3, heartbeat=600.0, volatility=0.0, jump_rate=0.0, noise=0.001
    )
    for reporter in system.reporters[:colluders]:
        _at(world, 1_000.0, lambda reporter=reporter: setattr(reporter, "bias", 0.5))
    world.env.run(until=4_000)
    return _updates(world, after=1_000.0)


def test_a_colluding_majority_moves_the_median():
    updates = _manipulated(3)
    assert updates and updates[0]["t"] <= 1_000.0 + POLL + LATENCY + SLOT
    assert all(update["value"] > 140.0 for update in updates)


def test_a_colluding_minority_stays_within_the_honest_spread():
    updates = _manipulated(2)
    assert len(updates) >= 4
    # Noise is 0.1%: five standard deviations bound the honest reporters.
    assert all(abs(update["value"] - 100.0) < 0.5 for update in updates)
    # The colluders' reports were in the rounds and were outvoted, not merely absent.
    assert any({0, 1} <= set(update["reporters"]) for update in updates)


# --- value at risk -------------------------------------------------------------------------


def test_value_at_risk_is_zero_when_the_feed_is_fresh_and_accurate():
    world, system = _install(**QUIET)
    world.env.run(until=4_000)
    risk = _metrics(world)["value_at_risk"]
    assert risk["peak"] == 0.0 and risk["integral"] == 0.0
    assert system.value_at_risk() == 0.0


def test_value_at_risk_is_positive_in_the_stale_default_window():
    delay = 900.0
    world, system = _default_run(delay)
    world.env.run(until=1_500)
    assert system.lending is not None
    collateral = system.lending.total_collateral
    assert system.value_at_risk() == pytest.approx(collateral * 40.0)
    world.env.run(until=4_000)
    risk = _metrics(world)["value_at_risk"]
    assert risk["peak"] == pytest.approx(collateral * 40.0)
    assert risk["integral"] >= collateral * 40.0 * delay


def test_metrics_are_none_without_an_oracle():
    assert oracle_metrics.compute([{"t": 0.0, "kind": "run.start"}]) is None


# --- the schema ----------------------------------------------------------------------------


def _error(**fields: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as caught:
        Oracle(**fields)
    return caught.value.errors(include_url=False)[0]


def test_schema_rejects_a_quorum_above_the_reporters():
    error = _error(reporters=3, quorum=4)
    assert error["type"] == "bridgelab_invalid" and error["ctx"]["key"] == "quorum"


def test_schema_rejects_unknown_keys_and_unhealthy_borrowers():
    assert _error(heartbeats=60.0)["type"] == "extra_forbidden"
    error = _error(lending={"loan_to_value": 0.9, "liquidation_threshold": 0.8})
    assert error["loc"] == ("lending",) and error["ctx"]["key"] == "loan_to_value"
    error = _error(write_down=1.5)  # a bound refused with its range and reason
    assert error["type"] == "bridgelab_invalid" and error["loc"] == ("write_down",)
    assert "at most 1" in error["ctx"]["expected"]


def test_schema_module_never_imports_the_scenario_model():
    # model.py imports oracle_schema to add `Scenario.oracle`; an import back would be circular.
    tree = ast.parse(Path(oracle_schema.__file__).read_text(encoding="utf-8"))
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    imported += [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ]
    # Only the shared building blocks, which import no schema themselves.
    assert [name for name in imported if name and name.startswith("bridgelab")] == [
        "bridgelab.scenario.base"
    ]
