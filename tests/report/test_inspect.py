"""`bridgelab show` and `bridgelab diff`: one run readable, two runs compared, input untrusted."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from bridgelab.cli import main
from bridgelab.inspect.diff import first_divergence
from bridgelab.inspect.runfiles import fault_windows, load_run
from bridgelab.runner import run
from tests.conftest import small_scenario

# A small bridge under two attacks: relayers censoring a user for 120 s (a healed window)
# and a compromise of `threshold` members (a violation).
ATTACKS = {"attacks": [
    {"kind": "relayer.censor", "targets": {"relayers": "all"}, "schedule": {"at": 20.0},
     "heal": {"after": 120.0}, "params": {"users": ["user-001"]}},
    {"kind": "key.compromise", "targets": {"select": "threshold"}, "schedule": {"at": 60.0},
     "params": {"amount": 5_000_000}},
]}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("inspect")
    scenario = small_scenario({"workload": {"deposits": 6, "withdrawals": 3}, **ATTACKS})
    out = {}
    for name, seed in (("a", 1), ("b", 2), ("a2", 1)):
        out[name] = root / name
        run(scenario, seed, out[name])
    return out


def test_show_names_the_first_violation_and_the_fault_windows(runs, capsys):
    assert main(["show", str(runs["a"])]) == 0
    out = capsys.readouterr().out
    results = json.loads((runs["a"] / "results.json").read_text())
    first = min(results["violations"], key=lambda v: (v["time"], v["event_seq"]))
    assert f"first violation {first['property']}" in out
    assert f"event #{first['event_seq']}" in out
    assert "relayer.censor" in out and "key.compromise" in out
    assert "never healed" in out  # the compromise; the censorship healed


def test_fault_windows_pair_each_start_with_its_heal(runs):
    windows = fault_windows(load_run(runs["a"]).events)
    censor = [w for w in windows if w.attack == "relayer.censor"]
    assert censor and all(w.end is not None for w in censor)
    assert censor[0].start == pytest.approx(20.0)
    assert censor[0].end == pytest.approx(140.0)
    assert any(w.attack == "key.compromise" and w.end is None for w in windows)


def test_filters_by_kind_time_and_limit(runs, capsys):
    assert main(["show", str(runs["a"]), "--kind", "mint", "--from", "50", "--to", "400",
                 "--limit", "3"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if re.match(r"^│\s+[\d,]+\.\d{3} │", line)]
    assert 1 <= len(rows) <= 3
    times = [float(row.split("│")[1].replace(",", "")) for row in rows]
    assert all(50 <= t <= 400 for t in times)
    assert all("│ mint " in row for row in rows)


def test_show_html_is_self_contained_with_fault_bands(runs, tmp_path):
    page = tmp_path / "t.html"
    assert main(["show", str(runs["a"]), "--html", str(page)]) == 0
    text = page.read_text()
    assert text.count('<rect class="fault"') >= 2 and '<rect class="violation"' in text
    assert "<script" not in text and "http://" not in text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_hostile_strings_are_escaped(runs, tmp_path, capsys):
    hostile = tmp_path / "hostile"
    shutil.copytree(runs["a"], hostile)
    history = hostile / "history.jsonl"
    lines = history.read_text().splitlines()
    event = json.loads(lines[0])
    event["scenario"] = "evil\x1b[2J<script>alert(1)</script>\u202e"
    lines[0] = json.dumps(event)
    history.write_text("\n".join(lines) + "\n")
    page = tmp_path / "h.html"
    assert main(["show", str(hostile), "--html", str(page)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b" in out
    assert "<script>" not in page.read_text()


@pytest.mark.parametrize(("line", "said"), [
    ("not json", "expected a JSON object"),
    ("[1, 2]", "expected a JSON object"),
    ('{"kind": 3, "t": 0, "seq": 0}', "kind: expected a string"),
    ('{"kind": "x", "t": NaN, "seq": 0}', "expected a JSON object"),
    ('{"kind": "x", "t": 0, "seq": "0"}', "seq: expected an integer"),
])
def test_a_malformed_history_is_bad_input_in_one_line(runs, tmp_path, capsys, line, said):
    bad = tmp_path / "bad"
    shutil.copytree(runs["a"], bad)
    with (bad / "history.jsonl").open("a") as stream:
        stream.write(line + "\n")
    assert main(["show", str(bad)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: ") and said in err and len(err.splitlines()) == 1


def test_tampered_results_are_set_aside_not_trusted(runs, tmp_path, capsys):
    tampered = tmp_path / "t"
    shutil.copytree(runs["a"], tampered)
    results = json.loads((tampered / "results.json").read_text())
    results["verdicts"] = "all fine"
    (tampered / "results.json").write_text(json.dumps(results))
    assert main(["show", str(tampered)]) == 0
    out = capsys.readouterr().out
    assert "results set aside" in out and "verdicts unknown" in out


def test_diff_of_the_same_seed_is_identical(runs, capsys):
    assert main(["diff", str(runs["a"]), str(runs["a2"])]) == 0
    out = capsys.readouterr().out
    assert out.startswith("identical histories") and "metrics that differ: 0" in out


def test_diff_names_the_first_divergent_event_and_differing_metrics(runs, capsys):
    assert main(["diff", str(runs["a"]), str(runs["b"])]) == 1
    out = capsys.readouterr().out
    a = load_run(runs["a"]).events
    b = load_run(runs["b"]).events
    index = first_divergence(a, b)
    assert index is not None and a[:index] == b[:index] and a[index] != b[index]
    assert f"histories diverge at event {index}" in out
    assert f"A: #{a[index]['seq']} t={a[index]['t']}s {a[index]['kind']}" in out
    assert "metrics that differ:" in out and "performance." not in out


def test_a_truncated_history_diverges_where_it_ends(runs, tmp_path, capsys):
    short = tmp_path / "short"
    shutil.copytree(runs["a"], short)
    lines = (short / "history.jsonl").read_text().splitlines()
    (short / "history.jsonl").write_text("\n".join(lines[:100]) + "\n")
    assert main(["diff", str(runs["a"]), str(short)]) == 1
    out = capsys.readouterr().out
    assert "histories diverge at event 100" in out and "(the history has ended)" in out


@pytest.mark.parametrize("argv", [["show", "RUN", "--limit", "-1"],
                                  ["show", "RUN", "--from", "10", "--to", "5"],
                                  ["show", "RUN", "--from", "nan"],
                                  ["show", "RUN", "--to", "nan"]])
def test_bad_show_options_are_bad_input(runs, argv, capsys):
    argv = [str(runs["a"]) if part == "RUN" else part for part in argv]
    assert main(argv) == 3
    assert capsys.readouterr().err.startswith("error: ")


def test_show_sets_aside_verdicts_its_history_does_not_hold(runs, tmp_path, capsys):
    """results.json edited to pass (the history untouched) was shown as "12 pass, 0 fail":
    `show` now checks the evidence as the report does and says why it sets it aside."""
    edited = tmp_path / "edited"
    shutil.copytree(runs["a"], edited)
    results = json.loads((edited / "results.json").read_text())
    assert "fail" in results["verdicts"].values()
    results["verdicts"] = {prop: "pass" for prop in results["verdicts"]}
    results["violations"] = []
    (edited / "results.json").write_text(json.dumps(results))
    capsys.readouterr()
    assert main(["show", str(edited), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["verdicts"] is None
    assert shown["results_problem"].startswith("results.json is not the evidence's word: ")
    assert "recorded as pass but the history holds its violation" in shown["results_problem"]
    # The untouched run is shown as it is.
    assert main(["show", str(runs["a"]), "--json"]) == 0
    untouched = json.loads(capsys.readouterr().out)
    assert untouched["results_problem"] is None and "fail" in untouched["verdicts"].values()


def test_show_says_a_run_that_cannot_vouch_for_safety_is_inconclusive(tmp_path, capsys):
    """`show` read "8 pass, 0 fail" for a run whose attack never started."""
    late = small_scenario({"workload": {"deposits": 2, "withdrawals": 0}, "attacks": [
        {"kind": "key.compromise", "targets": {"select": "threshold"},
         "schedule": {"at": 1_000_000.0}, "params": {"amount": 5_000_000}}]})
    result = run(late, 1, tmp_path / "late")
    assert result.exit_code == 2 and result.inconclusive
    capsys.readouterr()
    assert main(["show", str(tmp_path / "late")]) == 0
    assert f"INCONCLUSIVE: {result.inconclusive[0]}" in capsys.readouterr().out
    assert main(["show", str(tmp_path / "late"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["inconclusive"] == result.inconclusive
