"""Saved artefacts are input: tampered, truncated or foreign results.json, history.jsonl and
campaign stores never give a traceback, and a tampered run never makes a report "safe"
(issue 20, "Saved artefacts are trusted blindly").

Each case of the tamper table is applied to a copy of a real run directory, and `report` reads
it: the run is either used (its verdicts then being the run's own) or listed as unusable with
a reason; the command exits by the contract (never 4, never a traceback); and the verdict of a
run that broke safety never becomes "safe".
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridgelab import evidence
from bridgelab.campaign.store import Store, StoreError
from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import scenario_toml
from bridgelab.report.loading import load_run_dir
from tests.conftest import tiny_campaign_base
from tests.report.report_fixtures import scenario_data

CONTRACT = (0, 1, 2, 3)  # 4 would be an internal error: a crash is what these tests rule out
TOP_LEVEL = ("complete", "fingerprint", "verdicts", "metrics", "violations", "inconclusive",
             "history", "run", "reproduce")
WRONG_TYPES: tuple[Any, ...] = ([], "x", 7, None, {"a": [1]}, 1.5, True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A run that broke safety and one that passed, each written by `bridgelab run`."""
    root = tmp_path_factory.mktemp("hostile")
    made = {}
    for name in ("collusion-multisig", "honest-multisig"):
        scenario = root / f"{name}.toml"
        scenario.write_text(scenario_toml(scenario_data(name), name))
        out = root / name
        assert cli_main(["run", str(scenario), "--seed", "1", "--quiet", "--out", str(out)]) \
            in (0, 1)
        made[name] = out
    return made


def report(sources: list[Path], out: Path, capsys) -> tuple[int, dict[str, Any] | None, str]:
    capsys.readouterr()
    # Not -q: the verdict line and the runs not used are what the tests read.
    code = cli_main(["report", *map(str, sources), "--out", str(out), "--no-cost"])
    err = capsys.readouterr().err
    written = out / "report.json"
    data = json.loads(written.read_text(encoding="utf-8")) if written.exists() else None
    return code, data, err


def assert_no_crash(code: int, err: str) -> None:
    assert code in CONTRACT, err
    assert "Traceback" not in err and "internal error" not in err, err


# -- the tamper table --------------------------------------------------------------------------


def _set(key: str, value: Any):
    def change(data: dict[str, Any]) -> None:
        data[key] = value
    return change


def _delete(key: str):
    def change(data: dict[str, Any]) -> None:
        del data[key]
    return change


def _nested(depth: int):
    def change(data: dict[str, Any]) -> None:
        data["metrics"]["outcome"]["faults"] = json.loads("[" * depth + "]" * depth)
    return change


def _verdicts_all_pass(data: dict[str, Any]) -> None:
    data["verdicts"] = {prop: "pass" if verdict == "fail" else verdict
                        for prop, verdict in data["verdicts"].items()}


def _forget_violations(data: dict[str, Any]) -> None:
    _verdicts_all_pass(data)
    data["violations"] = []


JSON_CASES: dict[str, Any] = {
    **{f"wrong-type-{key}-{type(bad).__name__}-{index}": _set(key, bad)
       for key in TOP_LEVEL for index, bad in enumerate(WRONG_TYPES)},
    **{f"delete-{key}": _delete(key) for key in TOP_LEVEL},
    "huge-seed": lambda data: data["fingerprint"].update(seed=10**80),
    "huge-loss": lambda data: data["metrics"]["outcome"].update(value_extracted=10**300),
    "nested-40": _nested(40),
    "verdicts-all-pass": _verdicts_all_pass,
    "verdicts-pass-and-no-violations": _forget_violations,
    "verdict-unknown-value": lambda data: data["verdicts"].update(
        {"safety.no-double-mint": "fine"}),
    "verdict-missing": lambda data: data["verdicts"].pop("safety.supply-conservation"),
    "not-a-table": lambda data: data.clear(),
    "another-seed": lambda data: data["fingerprint"].update(seed=2),
}


def _offsets(raw: bytes) -> dict[str, int]:
    """Places in a file, by name (the same names for every file)."""
    return {"start": 0, "1": 1, "2": 2, "100": 100, "third": len(raw) // 3,
            "half": len(raw) // 2, "end": len(raw) - 2}


def _raw_cases(raw: bytes) -> dict[str, bytes]:
    places = _offsets(raw)
    cases = {f"truncate-{name}": raw[:offset] for name, offset in places.items()}
    for name in ("2", "100", "third", "half", "end"):
        flipped = bytearray(raw)
        flipped[places[name]] ^= 0x55
        cases[f"flip-{name}"] = bytes(flipped)
    cases["non-utf8"] = raw[:60] + b"\xff\xfe\xc0" + raw[63:]
    cases["nan"] = raw.replace(b'"seed": 1', b'"seed": NaN', 1)
    cases["infinity"] = raw.replace(b'"seed": 1', b'"seed": 1e999', 1)
    cases["huge-integer-text"] = raw.replace(b'"seed": 1', b'"seed": 1' + b"0" * 5000, 1)
    cases["nested-100000"] = raw.replace(b'"inconclusive": []',
                                         b'"inconclusive": ' + b"[" * 100_000 + b"]" * 100_000)
    cases["a-list"] = b"[1, 2, 3]\n"
    cases["nul-bytes"] = b"\x00" * 64
    return cases


def _apply(run: Path, case: str, target: Path) -> None:
    shutil.copytree(run, target)
    results = target / "results.json"
    if case in JSON_CASES:
        data = json.loads(results.read_text(encoding="utf-8"))
        JSON_CASES[case](data)
        results.write_text(json.dumps(data), encoding="utf-8")
    elif case.startswith("history-"):
        history = target / "history.jsonl"
        history.write_bytes(_history_cases(history.read_bytes())[case])
    else:
        results.write_bytes(_raw_cases(results.read_bytes())[case])


def _history_cases(raw: bytes) -> dict[str, bytes]:
    lines = raw.splitlines(keepends=True)
    cases = {f"history-truncate-{name}": raw[:offset]
             for name, offset in _offsets(raw).items() if name in ("start", "1", "half", "end")}
    flipped = bytearray(raw)
    flipped[len(raw) // 2] ^= 0x01
    cases["history-flip"] = bytes(flipped)
    cases["history-non-utf8"] = raw[:100] + b"\xff" + raw[101:]
    cases["history-no-mints"] = b"".join(
        line for line in lines if b'"kind":"mint"' not in line)
    cases["history-no-end"] = b"".join(lines[:-1])
    return cases


RAW_NAMES = list(_raw_cases(b'{"seed": 1, "inconclusive": []}' + b" " * 400))
HISTORY_NAMES = list(_history_cases(b'{"kind":"run.end"}\n' * 8))
CASES = [*JSON_CASES, *RAW_NAMES, *HISTORY_NAMES]


@pytest.mark.parametrize("case", CASES)
def test_a_tampered_run_is_never_a_crash_nor_safe(runs, tmp_path, capsys, case):
    original = runs["collusion-multisig"]
    tampered = tmp_path / "runs" / "tampered"
    _apply(original, case, tampered)
    code, data, err = report([tmp_path / "runs"], tmp_path / "out", capsys)
    assert_no_crash(code, err)
    assert data is not None, err
    summary = data["summary"]
    assert summary["verdict"] != "safe", summary
    [entry] = data["runs"]
    if summary["unusable"]:
        # Listed, with a reason, and the report says it could not use it.
        [unusable] = summary["unusable"]
        assert unusable["reasons"] and all(unusable["reasons"]), unusable
        assert code == 2 and "not used:" in err
    else:
        # Used: then it is the run as it was (the change did not touch what it says).
        saved = json.loads((original / "results.json").read_text(encoding="utf-8"))
        assert entry["verdicts"] == dict(sorted(saved["verdicts"].items()))
        assert summary["verdict"] == "unsafe" and code == 1  # the run broke safety


def test_the_table_covers_what_the_issue_lists():
    """Truncations, flipped bytes, wrong types for every top-level field, deleted keys,
    non-UTF-8, huge numbers and deep nesting, in results.json and in the history."""
    for family in ("truncate-", "flip-", "wrong-type-", "delete-", "non-utf8", "huge-",
                   "nested-", "history-truncate-", "history-flip"):
        assert any(case.startswith(family) for case in CASES), family
    for key in TOP_LEVEL:
        assert sum(case.startswith(f"wrong-type-{key}-") for case in CASES) == len(WRONG_TYPES)
    assert len(CASES) >= 36


@pytest.mark.parametrize("case", ["wrong-type-verdicts-list-0", "delete-verdicts",
                                  "verdicts-all-pass", "verdicts-pass-and-no-violations",
                                  "history-no-mints"])
def test_hiding_a_failure_is_named(runs, tmp_path, capsys, case):
    """The tampers that once made a failing run read as passing are caught by name."""
    _apply(runs["collusion-multisig"], case, tmp_path / "runs" / "r")
    code, data, err = report([tmp_path / "runs"], tmp_path / "out", capsys)
    assert code == 2 and data is not None, err
    [unusable] = data["summary"]["unusable"]
    reason = unusable["reasons"][0]
    assert any(word in reason for word in ("malformed", "violation", "hash mismatch")), reason


def test_an_untouched_pair_of_runs_is_used_as_it_is(runs, tmp_path, capsys):
    for name, run in runs.items():
        shutil.copytree(run, tmp_path / "runs" / name)
    code, data, err = report([tmp_path / "runs"], tmp_path / "out", capsys)
    assert code == 1 and data is not None and not data["summary"]["unusable"], err
    assert data["summary"]["verdict"] == "unsafe"


def test_verification_checks_every_run_directory_it_is_given(runs):
    """`verify_run_dir` is total over shapes: any JSON value gives problems, never raises."""
    for value in (None, [], "x", 3, {"complete": True}, {"complete": True, "verdicts": []}):
        problems = evidence.verify_run_dir(runs["honest-multisig"], value)  # type: ignore[arg-type]
        assert problems.problems and not problems.ok


def test_a_history_that_holds_a_violation_the_results_do_not_list_is_refused(runs, tmp_path):
    """A consistent history (hash and count updated) with a second mint of one lock still
    contradicts a passing run's verdicts: the checker, run again over it, finds the double
    mint the results do not list."""
    run = tmp_path / "run"
    shutil.copytree(runs["honest-multisig"], run)
    history = run / "history.jsonl"
    *lines, last = history.read_bytes().splitlines(keepends=True)
    mint = json.loads(next(line for line in lines if b'"kind":"mint"' in line))
    end = json.loads(last)
    mint["seq"], end["seq"] = end["seq"], end["seq"] + 1
    mint["t"] = end["t"]
    forged = [json.dumps(record, separators=(",", ":"), sort_keys=True).encode() + b"\n"
              for record in (mint, end)]
    history.write_bytes(b"".join([*lines, *forged]))
    results = json.loads((run / "results.json").read_text())
    assert results["verdicts"]["safety.no-double-mint"] == "pass"
    digest, count = evidence.file_digest(history)
    results["history"] = {"sha256": digest, "events": count}
    problems = evidence.verify_run_dir(run, results).problems
    assert any("safety.no-double-mint is recorded as pass but the history holds its violation"
               in p for p in problems), problems
    assert any(p.startswith("results.json lists 0 violations, the history holds")
               for p in problems), problems


def test_an_untouched_run_agrees_with_its_rejudged_history(runs):
    for run in runs.values():
        results = json.loads((run / "results.json").read_text())
        assert evidence.verify_run_dir(run, results).problems == []


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=20,
)
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@FUZZ
@given(raw=st.binary(max_size=3000))
def test_any_bytes_as_results_json_are_a_listed_run(runs, tmp_path_factory, raw):
    run = tmp_path_factory.mktemp("bytes") / "run"
    shutil.copytree(runs["honest-multisig"], run)
    (run / "results.json").write_bytes(raw)
    record = load_run_dir(run)
    assert record is not None and not record.usable and record.problems


@FUZZ
@given(key=st.sampled_from([*TOP_LEVEL, "verdicts.safety.no-double-mint", "metrics.outcome",
                            "metrics.custody", "history.sha256", "fingerprint.seed"]),
       value=JSON_VALUES)
def test_any_value_anywhere_is_used_as_the_run_or_refused(runs, tmp_path_factory, key, value):
    run = tmp_path_factory.mktemp("value") / "run"
    shutil.copytree(runs["collusion-multisig"], run)
    data = json.loads((run / "results.json").read_text(encoding="utf-8"))
    original = dict(data["verdicts"])
    parent, _, last = key.partition(".")  # (a property id has dots of its own)
    node = data[parent] if last else data
    node[last or parent] = value
    (run / "results.json").write_text(json.dumps(data), encoding="utf-8")
    record = load_run_dir(run)
    assert record is not None
    if record.usable:
        # Used: it still reads as the run that broke safety (whatever else a value changed,
        # nothing that was failed passes).
        broken = sorted(p for p, v in original.items() if p.startswith("safety.") and v == "fail")
        assert record.safety_failed == broken
    else:
        assert record.problems


# -- campaign stores ---------------------------------------------------------------------------

CAMPAIGN = f"""
[campaign]
name = "hostile"
seeds = 2

{tiny_campaign_base()}
[[attacks]]
name = "none"
"""


@pytest.fixture(scope="module")
def campaign(tmp_path_factory) -> tuple[Path, Path]:
    """(campaign file, its complete store), made once."""
    root = tmp_path_factory.mktemp("store")
    path = root / "hostile.toml"
    path.write_text(CAMPAIGN)
    store = root / "hostile.sqlite"
    assert cli_main(["campaign", str(path), "--store", str(store), "--jobs", "1", "--quiet"]) == 0
    return path, store


def _copy_store(store: Path, target: Path) -> Path:
    """The store (checkpointed into one file) and its histories, copied beside `target`."""
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(store, target)
    return target


def _commands(path: Path, store: Path, tmp_path: Path) -> dict[str, list[str]]:
    common = [str(path), "--store", str(store)]
    return {
        "campaign-stats": ["campaign-stats", *common],
        "campaign-export": ["campaign-export", *common, "--csv", str(tmp_path / "x.csv")],
        "campaign --resume": ["campaign", *common, "--resume", "--quiet", "--jobs", "1"],
        "report": ["report", str(store), "--out", str(tmp_path / "out"), "--no-cost",
                   "--quiet"],
    }


@pytest.mark.parametrize("fraction", [0.001, 0.02, 0.3, 0.6, 0.95])
def test_a_truncated_store_is_refused_in_one_line(campaign, tmp_path, capsys, fraction):
    path, store = campaign
    copy = _copy_store(store, tmp_path / "copy.sqlite")
    size = copy.stat().st_size
    with copy.open("r+b") as handle:
        handle.truncate(int(size * fraction))
    for name, argv in _commands(path, copy, tmp_path).items():
        capsys.readouterr()
        code = cli_main(argv)
        err = capsys.readouterr().err
        assert code == 3, (name, code, err)
        [line] = err.strip().splitlines()
        assert line.startswith("error: ") and str(copy) in line, (name, line)
        assert "Traceback" not in err


def test_a_foreign_file_is_not_a_store(campaign, tmp_path, capsys):
    path, _ = campaign
    foreign = tmp_path / "foreign.sqlite"
    foreign.write_text("[campaign]\nname = 'x'\n")
    for name, argv in _commands(path, foreign, tmp_path).items():
        capsys.readouterr()
        assert cli_main(argv) == 3, name
        assert "not an SQLite database" in capsys.readouterr().err, name
    assert foreign.read_text() == "[campaign]\nname = 'x'\n"  # and nothing was written to it


def test_reading_a_store_leaves_it_unchanged(campaign, tmp_path, capsys):
    path, store = campaign
    copy = _copy_store(store, tmp_path / "copy.sqlite")
    before = copy.read_bytes()
    assert cli_main(["campaign-stats", str(path), "--store", str(copy)]) == 0
    assert cli_main(["campaign-export", str(path), "--store", str(copy),
                     "--csv", str(tmp_path / "x.csv")]) == 0
    assert copy.read_bytes() == before


def test_deleted_histories_are_not_an_empty_pass(campaign, tmp_path, capsys):
    path, store = campaign
    from bridgelab.campaign.cli import history_root_for

    root = tmp_path / "moved"
    _copy_store(store, tmp_path / "unused.sqlite")  # checkpoint the store into its file
    shutil.copytree(store.parent, root)
    copy = root / store.name
    # The rows name their histories by absolute path: point them at the copy, then delete it.
    moved = history_root_for(copy).resolve()
    with sqlite3.connect(copy) as db:
        db.execute("UPDATE runs SET history_path = replace(history_path, ?, ?)",
                   (str(history_root_for(store).resolve()), str(moved)))
    assert cli_main(["campaign-stats", str(path), "--store", str(copy)]) == 0
    shutil.rmtree(moved)
    capsys.readouterr()
    assert cli_main(["campaign-stats", str(path), "--store", str(copy)]) == 2
    assert "history missing" in capsys.readouterr().err
    assert cli_main(["campaign", str(path), "--store", str(copy), "--resume", "--quiet"]) == 2
    assert "history missing" in capsys.readouterr().err
    assert cli_main(["report", str(copy), "--out", str(tmp_path / "out"), "--no-cost",
                     "--quiet"]) == 2


def load_hash(path: Path) -> str:
    from bridgelab.campaign.spec import load_campaign

    return load_campaign(path).hash


@pytest.mark.parametrize("column, value", [
    ("metrics", "{"), ("verdicts", "[]"), ("verdicts", '{"safety.no-double-mint": "fine"}'),
    ("exit_code", "7"), ("seed", "'x'"), ("status", "'maybe'"), ("fingerprint", "'null'"),
    ("params", "printf('%.*c', 5000, '[') || printf('%.*c', 5000, ']')"),
])
def test_a_row_that_does_not_decode_is_left_out_and_named(campaign, tmp_path, capsys,
                                                          column, value):
    path, store = campaign
    copy = _copy_store(store, tmp_path / "copy.sqlite")
    with sqlite3.connect(copy) as db:
        if column in ("metrics", "verdicts"):
            db.execute(f"UPDATE runs SET {column} = ? WHERE ordinal = 0", (value,))
        else:
            db.execute(f"UPDATE runs SET {column} = {value} WHERE ordinal = 0")
    [bad, good] = Store(copy, readonly=True).rows(load_hash(path))
    assert bad.get("problem") and not good.get("problem")
    capsys.readouterr()
    assert cli_main(["campaign-stats", str(path), "--store", str(copy)]) == 2
    err = capsys.readouterr().err
    assert "row unreadable" in err and "Traceback" not in err
    assert cli_main(["campaign-export", str(path), "--store", str(copy),
                     "--csv", str(tmp_path / "x.csv")]) == 2
    code, data, err = report([copy], tmp_path / "out", capsys)
    assert_no_crash(code, err)
    assert code == 2 and data is not None and len(data["summary"]["unusable"]) == 1


def test_a_zero_byte_store_is_refused_by_every_reader(campaign, tmp_path, capsys):
    """Read, an empty file is a truncated store, never an empty pass; `campaign`, which
    writes, takes it for a new store (as SQLite does) and runs every run: nothing passes
    unrun."""
    path, _ = campaign
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    for name, argv in _commands(path, empty, tmp_path).items():
        if name.startswith("campaign "):
            continue
        capsys.readouterr()
        assert cli_main(argv) == 3, name
        assert "empty file" in capsys.readouterr().err, name
    assert empty.stat().st_size == 0
    with pytest.raises(StoreError, match="empty file"):
        Store(empty, readonly=True)
    capsys.readouterr()
    assert cli_main(["campaign", str(path), "--store", str(empty), "--resume", "--quiet"]) == 0
    assert "resuming" not in capsys.readouterr().err
    with Store(empty, readonly=True) as store:
        assert store.count(load_hash(path)) == 2


def test_an_export_of_a_store_without_the_campaign_is_refused(campaign, tmp_path, capsys):
    _, store = campaign
    other = tmp_path / "other.toml"
    other.write_text(CAMPAIGN.replace('name = "hostile"', 'name = "other"'))
    assert cli_main(["campaign-export", str(other), "--store", str(store),
                     "--csv", str(tmp_path / "x.csv")]) == 3
    assert "found none" in capsys.readouterr().err


# -- failure files read by `check` -------------------------------------------------------------


@pytest.mark.parametrize("content", [
    b"[scenario\nname = 'x'\n",
    b"\xff\xfe not utf-8",
    b"[scenario]\nname = 'x'\nduration = 'long'\n",
    b"[scenario]\nnmae = 'x'\n",
    b"",
])
def test_a_broken_failure_file_is_bad_input_in_one_line(tmp_path, capsys, monkeypatch, content):
    monkeypatch.chdir(tmp_path)
    failures = tmp_path / ".bridgelab" / "failures"
    failures.mkdir(parents=True)
    (failures / "broken.toml").write_bytes(content)
    scenario = tmp_path / "ok.toml"
    scenario.write_text(scenario_toml(scenario_data("honest-multisig"), "ok"))
    capsys.readouterr()
    code = cli_main(["check", str(scenario), "--determinism", "none"])
    err = capsys.readouterr().err
    assert code == 3, err
    [line] = err.strip().splitlines()
    assert line.startswith("error: ") and "broken.toml" in line
    junit = (tmp_path / "bridgelab-check" / "junit.xml").read_text()
    assert 'type="bad-input"' in junit
