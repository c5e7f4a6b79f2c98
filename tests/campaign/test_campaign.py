"""Campaigns: the file format and its expansion, the store, statistics, the executors
(process pool and its determinism), the command line, and the relayer queue it validates."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import sqlite3
from pathlib import Path

import pytest

from bridgelab.campaign.execute import CampaignExistsError, run_campaign
from bridgelab.campaign.spec import load_campaign, run_key, set_path
from bridgelab.campaign.stats import distribution, quantile, report, wilson
from bridgelab.campaign.store import Store, result_columns
from bridgelab.campaign.theory import binomial_tail, broken_probability, mm1_wait
from bridgelab.campaign.worker import execute_run
from bridgelab.cli import main
from bridgelab.runner import run
from bridgelab.scenario import ScenarioError, parse_scenario
from tests.conftest import tiny_campaign_base

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGNS = ROOT / "campaigns"

TINY_BASE = tiny_campaign_base()


def write_campaign(tmp_path: Path, body: str, name: str = "tiny", seeds: str = "4") -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[campaign]\nname = "{name}"\nseeds = {seeds}\n{TINY_BASE}\n{body}\n')
    return path


SWEEP = """
[sweep.grid]
"committee.threshold" = [2, 3]

[[attacks]]
name = "none"

[[attacks]]
name = "bernoulli"
kind = "key.bernoulli"
schedule = { at = 10.0 }
params = { p = 0.5 }
"""


# -- the file and its expansion ---------------------------------------------------------------


def test_a_huge_campaign_builds_only_the_runs_it_takes(tmp_path, monkeypatch):
    # 200,000 runs: the pending runs are built as they are taken, not all up front.
    from bridgelab.campaign.execute import pending_specs
    from bridgelab.campaign.spec import Campaign

    campaign = load_campaign(write_campaign(tmp_path, SWEEP, seeds="50000"))
    built = []
    original = Campaign.scenario_data

    def counted(self, *args, **kwargs):
        built.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Campaign, "scenario_data", counted)
    with Store(tmp_path / "huge.sqlite") as store:
        todo, tally = pending_specs(campaign, store, None, resume=False, fresh=False)
        first = list(itertools.islice(todo, 5))
    assert tally.total == tally.to_run == 2 * 2 * 50_000 and tally.already == 0
    assert [spec.run_key for spec in first] == [run_key(0, "none", s) for s in range(1, 6)]
    assert len(built) == 5


def test_only_keys_of_the_campaign_count_as_already_run(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path, SWEEP, seeds="[5, 7, 9]"))
    ours = {run_key(1, "bernoulli", 9), run_key(0, "none", 5)}
    foreign = {run_key(2, "none", 5), run_key(0, "other", 5), run_key(0, "none", 6),
               "c1/bernoulli/s9", "c0000/none/s05", "junk", "c0000/none"}
    assert campaign.run_keys_among(ours | foreign) == 2
    # Ten million runs, the most a campaign may have: the first and last seeds count, those
    # just outside do not.
    huge = load_campaign(write_campaign(tmp_path, SWEEP, name="huge", seeds="2500000"))
    edges = {run_key(0, "none", 1), run_key(1, "bernoulli", 2_500_000),
             run_key(0, "none", 0), run_key(0, "none", 2_500_001)}
    assert huge.run_keys_among(edges) == 2


def _entry(campaign, total=None, digest=None) -> dict:
    """The campaign as `Store.campaigns(spec=True)` lists it."""
    return {"campaign_hash": digest or campaign.hash, "file": str(campaign.path),
            "total_runs": campaign.total_runs() if total is None else total,
            "spec": json.dumps(campaign.registration, sort_keys=True)}


@pytest.mark.parametrize("body, seeds", [
    (SWEEP, "[5, 7, 9]"), (SWEEP, "{ start = 100, count = 3 }"), ("", "2"),
])
def test_a_store_s_registration_rebuilds_the_campaign_s_run_keys(tmp_path, body, seeds):
    """The report has no campaign file: the keys it rebuilds from the store's registration
    are the campaign's, every run's and no other, each of its scenario."""
    from bridgelab.campaign.runkeys import registered_campaign

    campaign = load_campaign(write_campaign(tmp_path, body, seeds=seeds))
    rebuilt = registered_campaign(_entry(campaign))
    keys = rebuilt.run_keys()
    assert keys == campaign.run_keys() and len(keys) == campaign.total_runs()
    every = list(campaign.specs())
    assert all(spec.run_key in keys for spec in every)
    assert run_key(every[0].config, every[0].arm, max(spec.seed for spec in every) + 1) \
        not in keys
    assert [rebuilt.scenario_hash_of(spec.run_key) for spec in every] == [
        campaign.scenario_hash_of(spec.run_key) for spec in every]
    assert len({campaign.scenario_hash_of(spec.run_key) for spec in every}) == len(
        campaign.configs) * len(campaign.arms)
    assert isinstance(registered_campaign(_entry(campaign, total=len(every) + 1)), str)
    assert isinstance(registered_campaign(_entry(campaign, digest="0" * 64)), str)


@pytest.mark.parametrize("path", sorted((ROOT / "campaigns").glob("*.toml")),
                         ids=lambda path: path.name)
def test_every_shipped_campaign_s_registration_reads_back(path):
    """A registration that did not read back would leave every report of that campaign
    inconclusive (the swarm's distributions once did: their unset fields dump as nulls)."""
    from bridgelab.campaign.runkeys import registered_campaign

    campaign = load_campaign(path)
    rebuilt = registered_campaign(_entry(campaign))
    assert rebuilt.run_keys() == campaign.run_keys()
    for spec in itertools.islice(campaign.specs(), 3):
        assert rebuilt.scenario_hash_of(spec.run_key) == campaign.scenario_hash_of(spec.run_key)


def test_expansion_is_configurations_times_arms_times_seeds(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path, SWEEP, seeds="[5, 7, 9]"))
    specs = list(campaign.specs())
    assert campaign.total_runs() == len(specs) == 2 * 2 * 3
    keys = [spec.run_key for spec in specs]
    assert len(set(keys)) == len(keys)
    assert keys[0] == run_key(0, "none", 5) == "c0000/none/s5"
    assert [spec.ordinal for spec in specs] == list(range(len(specs)))
    bern = next(spec for spec in specs if spec.arm == "bernoulli" and spec.config == 1)
    assert bern.params == {"committee.threshold": 3}
    assert bern.scenario["committee"]["threshold"] == 3
    assert bern.scenario["attacks"][0]["kind"] == "key.bernoulli"
    # The same file expands to the same runs and hash; any change gives another campaign.
    again = load_campaign(campaign.path)
    assert again.hash == campaign.hash
    assert [s.run_key for s in again.specs()] == keys
    changed = write_campaign(tmp_path, SWEEP.replace("p = 0.5", "p = 0.4"), name="tiny2")
    assert load_campaign(changed).hash != campaign.hash


def test_cases_random_sweep_and_seed_ranges(tmp_path):
    body = """
[[sweep.cases]]
committee = { members = 3, threshold = 2 }
[[sweep.cases]]
"committee.members" = 5
"committee.threshold" = 3

[sweep]
samples = 3
seed = 11

[sweep.random]
"network.loss" = { uniform = [0.0, 0.1] }
"workload.deposits" = { randint = [1, 3] }
"""
    path = write_campaign(tmp_path, body, seeds="{ start = 100, count = 2 }")
    campaign = load_campaign(path)
    assert len(campaign.configs) == 2 * 3
    assert list(campaign.spec.campaign.seed_sequence()) == [100, 101]
    first = campaign.configs[0]
    assert first["committee.members"] == 3 and first["committee.threshold"] == 2
    assert 0.0 <= first["network.loss"] <= 0.1 and first["workload.deposits"] in (1, 2, 3)
    # Random draws are a function of (sweep seed, sample): the same on every load.
    assert load_campaign(path).configs == campaign.configs
    assert campaign.configs[0]["network.loss"] != campaign.configs[1]["network.loss"]
    assert campaign.configs[0]["network.loss"] == campaign.configs[3]["network.loss"]


def test_swarm_profile_is_drawn_per_seed_and_shared_by_configurations(tmp_path):
    body = SWEEP + """
[swarm.draw]
"network.loss" = { uniform = [0.0, 0.05] }

[[swarm.faults]]
enable = 0.5
kind = "relayer.delay"
targets = { relayers = [0] }
params = { delay = 5.0 }
"""
    campaign = load_campaign(write_campaign(tmp_path, body, seeds="12"))
    specs = list(campaign.specs())
    by_seed: dict[int, dict] = {}
    for spec in specs:
        assert spec.profile is not None
        by_seed.setdefault(spec.seed, spec.profile)
        assert spec.profile == by_seed[spec.seed]  # common faults across configs and arms
        assert spec.scenario["network"]["loss"] == spec.profile["draw"]["network.loss"]
        delays = [a for a in spec.scenario["attacks"] if a["kind"] == "relayer.delay"]
        assert len(delays) == ("relayer.delay" in spec.profile["faults"])
    profiles = [json.dumps(p, sort_keys=True) for p in by_seed.values()]
    assert len(set(profiles)) == len(profiles)
    assert {bool(p["faults"]) for p in by_seed.values()} == {True, False}
    assert campaign.swarm_profile(3) == load_campaign(campaign.path).swarm_profile(3)


@pytest.mark.parametrize(
    ("body", "key", "fragment"),
    [
        ("[sweep]\ngridd = 1\n", "sweep.gridd", "no such key"),
        ('[sweep.grid]\n"committee.threshold" = [3, 9]\n', "committee.threshold",
         "at most members (4)"),
        ('[[attacks]]\nname = "x"\nkind = "key.nope"\n', "attacks.0.kind", "a kind from"),
        ('[sweep.grid]\n"attacks.3.params.p" = [0.1]\n', "sweep", "paths into the scenario"),
        ('[[attacks]]\nname = "a"\n[[attacks]]\nname = "a"\n', "attacks.1.name",
         "a unique arm name"),
        # TOML dates and times are no scenario values (they once reached JSON and crashed).
        ('[[sweep.cases]]\n"committee.members" = 1979-05-27T07:32:00\n',
         "sweep.cases.0.committee.members", "a scenario value"),
        ('[sweep.grid]\n"committee.threshold" = [2, 07:32:00]\n',
         "sweep.grid.committee.threshold.1", "a scenario value"),
        ('[sweep.random]\n"committee.members" = {choice = [3, 1979-05-27]}\n',
         "sweep.random.committee.members.choice.1", "a scenario value"),
        ('[[sweep.cases]]\n"attacks" = [{name = "x", at = 1979-05-27}]\n',
         "sweep.cases.0.attacks.0.at", "a scenario value"),
    ],
)
def test_bad_campaigns_name_the_key(tmp_path, body, key, fragment):
    with pytest.raises(ScenarioError) as error:
        load_campaign(write_campaign(tmp_path, body))
    assert error.value.key == key
    assert fragment in error.value.message
    assert str(tmp_path / "tiny.toml") in error.value.message


def test_set_path_creates_tables_and_indexes_lists():
    data: dict = {"attacks": [{"kind": "x", "params": {}}]}
    set_path(data, "relayers.service_time_mean", 2.0)
    set_path(data, "attacks.0.params.p", 0.3)
    assert data == {"attacks": [{"kind": "x", "params": {"p": 0.3}}],
                    "relayers": {"service_time_mean": 2.0}}
    with pytest.raises(KeyError):
        set_path(data, "attacks.1.params.p", 0.3)


def test_shipped_campaigns_validate():
    names = sorted(path.name for path in CAMPAIGNS.glob("*.toml"))
    assert {"demo.toml", "theory-binomial.toml", "theory-mm1.toml", "swarm.toml"} <= set(names)
    for path in CAMPAIGNS.glob("*.toml"):
        campaign = load_campaign(path)
        assert campaign.total_runs() >= 1
    assert load_campaign(CAMPAIGNS / "theory-binomial.toml").total_runs() == 1_000


# -- statistics and theory --------------------------------------------------------------------


def test_wilson_interval_known_values():
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    low, high = wilson(81, 263, 0.95)  # Wilson (1927) / Newcombe (1998) worked example
    assert (low, high) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))
    assert wilson(0, 0) == (0.0, 1.0)


def test_quantiles_and_distribution():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert quantile(values, 0.5) == 3.0
    assert quantile(values, 0.9) == pytest.approx(7.6)
    assert quantile([], 0.5) is None
    summary = distribution([10.0, 1.0, 4.0, 3.0, 2.0])
    assert summary["count"] == 5 and summary["p50"] == 3.0 and summary["max"] == 10.0
    assert summary["mean"] == 4.0


def test_closed_forms():
    assert binomial_tail(3, 2, 0.3) == pytest.approx(0.216)
    assert binomial_tail(9, 6, 0.5) == pytest.approx(130 / 512)
    assert binomial_tail(5, 0, 0.2) == 1.0 and binomial_tail(5, 6, 0.9) == 0.0
    assert broken_probability(4, 2, 1, 0.5) == pytest.approx(0.5 * binomial_tail(3, 1, 0.5))
    assert mm1_wait(0.1, 0.2) == pytest.approx(5.0)
    assert mm1_wait(0.2, 0.2) == float("inf")


# -- the store --------------------------------------------------------------------------------


def _row(key: str, ordinal: int, **extra) -> dict:
    row = {
        "campaign_hash": "h", "run_key": key, "ordinal": ordinal, "config": 0, "arm": "a",
        "seed": ordinal, "params": "{}", "status": "ok", "exit_code": 0,
        "safety_violation": 0, "failed": "[]",
    }
    row.update(extra)
    return row


def test_store_writes_each_run_once_and_reads_in_key_order(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        assert store.add(_row("k2", 2))
        assert store.add(_row("k0", 0))
        assert not store.add(_row("k2", 2, exit_code=1))  # a second write changes nothing
        assert store.add(_row("k1", 1))
        rows = store.rows("h")
        assert [row["run_key"] for row in rows] == ["k0", "k1", "k2"]
        assert rows[2]["exit_code"] == 0
        assert store.done_keys("h") == {"k0", "k1", "k2"}
        mode = store.db.execute("PRAGMA journal_mode").fetchone()[0]
        assert mode == "wal"


# -- running ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory):
    """A small campaign run on a two-process pool."""
    tmp = tmp_path_factory.mktemp("tiny")
    campaign = load_campaign(write_campaign(tmp, SWEEP, seeds="6"))
    with Store(tmp / "store.sqlite") as store:
        tally = run_campaign(campaign, store, jobs=2, history_root=tmp / "histories")
        rows = store.rows(campaign.hash)
    return campaign, tally, rows


def test_pool_runs_every_run_once_in_fresh_worker_processes(tiny_runs):
    campaign, tally, rows = tiny_runs
    assert tally.done == len(rows) == campaign.total_runs() == 24
    assert tally.errors == 0 and tally.duplicates == 0
    assert [row["ordinal"] for row in rows] == list(range(24))
    workers = {row["worker"].rsplit(":", 1)[1] for row in rows}
    assert str(os.getpid()) not in workers and 1 <= len(workers) <= 2
    for row in rows:
        history = Path(row["history_path"])
        assert history.exists()
        assert row["history_sha256"] == __import__("hashlib").sha256(
            history.read_bytes()).hexdigest()
        assert "wall_time_s" not in row["metrics"]["performance"]
    # The bernoulli arm breaks the bridge exactly when it held `threshold` seats.
    for row in rows:
        if row["arm"] == "bernoulli":
            k = row["params"]["committee.threshold"]
            assert bool(row["safety_violation"]) == (row["probes"]["compromised_seats"] >= k)
        else:
            assert row["safety_violation"] == 0 and row["probes"]["compromised_seats"] == 0


def test_same_run_same_history_whatever_the_worker(tiny_runs):
    """Runs in a pool worker after other runs, and in this process in reverse order, agree."""
    campaign, _, rows = tiny_runs
    specs = list(campaign.specs())
    by_key = {row["run_key"]: row for row in rows}
    for spec in reversed(specs[::5]):
        row = execute_run(spec)
        assert row["history_sha256"] == by_key[spec.run_key]["history_sha256"]
        assert json.loads(row["metrics"]) == by_key[spec.run_key]["metrics"]


def test_one_job_gives_the_same_rows_as_two(tiny_runs, tmp_path):
    campaign, _, rows = tiny_runs
    with Store(tmp_path / "one.sqlite") as store:
        run_campaign(campaign, store, jobs=1)
        assert result_columns(store.rows(campaign.hash)) == result_columns(rows)


def test_a_run_that_cannot_run_becomes_an_error_row(tiny_runs):
    campaign, _, _ = tiny_runs
    spec = next(campaign.specs())
    broken = dataclasses.replace(spec, scenario={**spec.scenario, "committee": {"members": 0}})
    row = execute_run(broken)
    assert row["status"] == "error" and row["verdicts"] is None
    assert "committee.members" in row["error"] and row["run_key"] == spec.run_key


def test_resume_skips_stored_runs_and_refuses_to_mix_without_it(tmp_path):
    campaign = load_campaign(write_campaign(tmp_path, SWEEP, seeds="3"))
    with Store(tmp_path / "s.sqlite") as store:
        first = run_campaign(campaign, store, jobs=2, max_runs=5)
        assert first.done == 5 and not first.complete
        with pytest.raises(CampaignExistsError):
            run_campaign(campaign, store, jobs=2)
        second = run_campaign(campaign, store, jobs=2, resume=True)
        assert second.already == 5 and second.done == 7 and second.complete
        assert store.count(campaign.hash) == 12
        again = run_campaign(campaign, store, jobs=2, resume=True)
        assert again.done == 0 and again.complete
        fresh = run_campaign(campaign, store, jobs=2, fresh=True, max_runs=2)
        assert fresh.already == 0 and store.count(campaign.hash) == 2


def test_stop_on_fail_stops_early(tmp_path):
    body = """
[[attacks]]
name = "all-keys"
kind = "key.bernoulli"
schedule = { at = 10.0 }
params = { p = 1.0 }
"""
    campaign = load_campaign(write_campaign(tmp_path, body, seeds="40"))
    with Store(tmp_path / "s.sqlite") as store:
        tally = run_campaign(campaign, store, jobs=1, stop_on_fail=True)
        assert tally.stopped and tally.failing >= 1
        assert store.count(campaign.hash) < 40


def test_stats_group_by_configuration_and_arm(tiny_runs):
    campaign, _, rows = tiny_runs
    result = report(campaign, rows)
    groups = result["groups"]
    assert [(g["config"], g["arm"]) for g in groups] == [
        (0, "none"), (0, "bernoulli"), (1, "none"), (1, "bernoulli")
    ]
    for group in groups:
        violation = group["safety_violation"]
        assert group["runs"] == 6
        assert violation["low"] <= violation["p"] <= violation["high"]
        assert group["loss"]["value_extracted"]["count"] == 6
    assert groups[0]["safety_violation"]["count"] == 0
    # Rows in any order give the same statistics (they are sorted by run key first).
    shuffled = sorted(rows, key=lambda row: row["history_sha256"])
    with_order = sorted(shuffled, key=lambda row: row["ordinal"])
    assert report(campaign, with_order) == result


# -- command line -----------------------------------------------------------------------------


def test_cli_campaign_stats_and_export(tmp_path, capsys):
    path = write_campaign(tmp_path, SWEEP, seeds="2")
    store = tmp_path / "cli.sqlite"
    assert main(["campaign", str(path), "--dry-run"]) == 0
    assert "8 runs" in capsys.readouterr().err
    code = main(["campaign", str(path), "--jobs", "2", "--store", str(store), "--quiet",
                 "--max-runs", "3"])
    assert code in (1, 2)  # incomplete (and maybe a broken bridge among the 3)
    assert main(["campaign", str(path), "--store", str(store), "--quiet"]) == 3
    assert "--resume" in capsys.readouterr().err
    code = main(["campaign", str(path), "--jobs", "2", "--store", str(store), "--resume",
                 "--json-out", str(tmp_path / "stats.json")])
    err = capsys.readouterr().err
    assert "runs/s" in err and "resuming: 3 runs already stored, 5 to run" in err
    assert code in (0, 1)
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert stats["runs_stored"] == 8 and stats["execution"]["executed"] == 5
    # The same store, the same verdict: campaign-stats never says 0 where campaign said 1.
    assert main(["campaign-stats", str(path), "--store", str(store)]) == code
    assert main(["campaign-export", str(path), "--store", str(store),
                 "--csv", str(tmp_path / "x.csv"), "--parquet", str(tmp_path / "x.parquet")]) == 0
    import csv

    import pyarrow.parquet as pq

    lines = list(csv.DictReader((tmp_path / "x.csv").open()))
    assert [line["run_key"] for line in lines] == [s.run_key for s in load_campaign(path).specs()]
    assert "param.committee.threshold" in lines[0] and "verdict.safety.no-double-mint" in lines[0]
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.num_rows == 8 and "outcome.value_extracted" in table.column_names
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 8


def test_the_store_verdict_follows_the_exit_code_contract():
    from bridgelab.campaign.verdict import store_code

    def rows(*codes: int | None) -> list[dict]:
        return [{"status": "error" if code is None else "ok", "exit_code": code}
                for code in codes]

    assert store_code(rows(0, 0), 2) == 0
    assert store_code(rows(0), 2) == 2  # a run missing: incomplete, not safe
    assert store_code(rows(0, 2), 2) == 2  # an inconclusive run vouches for nothing
    assert store_code(rows(2, None), 2) == 4  # a crash is an internal error...
    assert store_code(rows(1, None), 2) == 1  # ...that cannot hide a broken property


def test_cli_bad_campaign_exits_3(tmp_path, capsys):
    path = write_campaign(tmp_path, "[sweep]\ngridd = 1\n")
    assert main(["campaign", str(path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}: sweep.gridd: expected no such key")
    assert main(["campaign", str(tmp_path / "missing.toml")]) == 3
    assert main(["campaign-stats", str(write_campaign(tmp_path, SWEEP, name="ok")),
                 "--store", str(tmp_path / "none.sqlite")]) == 3


# -- the pieces the theory campaigns need -----------------------------------------------------


def _tiny(overrides: dict) -> object:
    data = {
        "scenario": {"name": "tiny", "duration": 600.0},
        "consortium": {"validators": 4, "block_time": 0.1},
        "relayers": {"count": 1},
        "committee": {"members": 4, "threshold": 3, "required": []},
        "settlement": {"slot_time": 2.0, "finality_slots": 2},
        "network": {"latency": {"dist": "fixed", "value": 0.01}},
        "workload": {"users": 2, "deposits": 12, "withdrawals": 0, "deposit_interval": 2.0},
    }
    for path, value in overrides.items():
        set_path(data, path, value)
    return parse_scenario(data)


def _events(scenario, seed: int = 1) -> list:
    captured = {}
    run(scenario, seed, keep_history=True,
        setup=lambda bridge: captured.setdefault("h", bridge.world.history))
    return captured["h"].events


def test_relayer_queue_serves_one_message_at_a_time_in_arrival_order():
    events = _events(_tiny({"relayers.service_time_mean": 3.0}))
    served = [e for e in events if e.kind == "relay.service"]
    assert len(served) == 12
    assert [e.fields["nonce"] for e in served] == sorted(e.fields["nonce"] for e in served)
    # Service periods never overlap: each starts after the previous one ends.
    for before, after in itertools.pairwise(served):
        assert after.time >= before.time + before.fields["service"] - 1e-6
        assert after.fields["wait"] >= 0.0
    assert any(e.fields["wait"] > 0 for e in served)
    assert [e for e in events if e.kind == "mint"]


def test_relayer_queue_is_off_by_default():
    assert not [e for e in _events(_tiny({})) if e.kind == "relay.service"]


def test_bernoulli_attack_draws_each_seat_from_its_own_stream():
    def seats(p: float, seed: int) -> list[int]:
        scenario = _tiny({"attacks": [{"kind": "key.bernoulli", "schedule": {"at": 5.0},
                                       "params": {"p": p}}],
                          "workload.deposits": 1})
        starts = [e for e in _events(scenario, seed) if e.kind == "fault.start"]
        return starts[0].fields["seats"]

    assert seats(0.0, 1) == [] and seats(1.0, 1) == [0, 1, 2, 3]
    assert seats(0.5, 7) == seats(0.5, 7)
    assert len({tuple(seats(0.5, seed)) for seed in range(8)}) > 2


def test_a_row_another_writer_stored_first_is_verified_not_trusted(tmp_path, monkeypatch, capsys):
    """Rows this process stored are not checked again at the end; a key whose insert found
    another writer's row already there was taken for one of them, so that row (here without
    its history) counted unchecked."""
    path = write_campaign(tmp_path, '[[attacks]]\nname = "none"\n', seeds="2")
    store = tmp_path / "shared.sqlite"
    real_add = Store.add
    raced: list[str] = []

    def add_after_another_writer(self, row):
        if not raced:  # another campaign process stores this key first, without a history
            raced.append(row["run_key"])
            real_add(self, {**row, "history_path": None, "history_sha256": None})
        return real_add(self, row)

    monkeypatch.setattr(Store, "add", add_after_another_writer)
    capsys.readouterr()
    code = main(["campaign", str(path), "--jobs", "1", "--store", str(store)])
    err = capsys.readouterr().err
    assert f"{raced[0]}: no history recorded" in err, err
    assert code == 2


def test_inconclusive_rows_are_no_trials_and_verdicts_not_columns_count():
    """campaign-stats counted runs that ended inconclusive (a forgery still pending) as
    clean trials, and read the `safety_violation` column the row check never holds to the
    verdicts: 0 violations, P <= 0.49 over four runs that showed nothing."""
    from bridgelab.campaign.stats import summarize_group

    def row(exit_code: int, verdict: str, column: int) -> dict:
        outcome = {"value_extracted": 0, "unbacked_minted_peak": 0, "time_to_detect_s": None,
                   "times": {}}
        return {"status": "ok", "exit_code": exit_code, "safety_violation": column,
                "failed": [], "verdicts": {"safety.supply-conservation": verdict},
                "metrics": {"outcome": outcome}}

    pending = [row(2, "pass", 0) for _ in range(4)]
    group = summarize_group(pending)
    assert group["inconclusive"] == 4 and group["safety_violation"]["trials"] == 0
    assert group["safety_violation"]["p"] is None
    # A column edited to say "no violation" does not hide the verdict that failed.
    edited = summarize_group([row(1, "fail", 0), row(0, "pass", 0)])
    assert edited["safety_violation"]["count"] == 1 and edited["safety_violation"]["p"] == 0.5
    assert edited["property_failures"] == {"safety.supply-conservation": 1}
