"""Names that become paths, and output directories (issue 20, "Paths" and "`run` silently
overwrites a non-empty --out")."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridgelab import safepaths
from bridgelab.campaign.spec import load_campaign
from bridgelab.cli import default_out
from bridgelab.cli import main as cli_main
from bridgelab.hunt.artefacts import file_name, scenario_toml
from bridgelab.scenario import ScenarioError
from tests.campaign.test_hostile_artefacts import CAMPAIGN
from tests.report.report_fixtures import scenario_data

HOSTILE_NAMES = ["../../x", "/etc/x", "a/b", "..", ".", "a\\b", "x\x00y", "x\ny", "\u202eabc",
                 "-rf", ".hidden", "n" * 200, "ok-name", "\u00e9t\u00e9"]


def every_file(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


# -- cosmetic names: a slug ----------------------------------------------------------------------


@given(st.text(max_size=300))
def test_a_slug_is_always_one_safe_component(name):
    component = safepaths.slug(name)
    assert safepaths.component_problem(component) is None
    assert Path(component).name == component and len(Path(component).parts) == 1


def test_a_safe_name_is_its_own_slug():
    for name in ("baseline", "ronin-2022", "a.b_c-1"):
        assert safepaths.slug(name) == name


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_run_without_out_stays_under_runs(tmp_path, monkeypatch, capsys, name):
    data = scenario_data("honest-multisig")
    data["scenario"]["name"] = name
    scenario = tmp_path / "scenario.toml"
    scenario.write_text(scenario_toml(data, "hostile name"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    before = every_file(tmp_path)
    code = cli_main(["run", str(scenario), "--seed", "1", "--quiet"])
    written = every_file(tmp_path) - before
    if code == 3:
        # A name with control or bidi characters does not even validate: nothing is written.
        hidden = {chr(c) for c in (*range(32), 127, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
        assert hidden.intersection(name) and not written
        return
    assert code == 0
    assert written and all(path.is_relative_to(work / "runs") for path in written), written
    [directory] = {path.parent for path in written}
    assert directory.parent == work / "runs"
    assert directory.name == f"{safepaths.slug(name, 'scenario')}-seed1"


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_the_default_hunt_directory_stays_under_runs(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    out = default_out(f"hunt-{safepaths.slug(name, 'scenario')}")
    assert out.resolve().parent == (tmp_path / "runs").resolve()


def test_a_default_path_through_a_linked_runs_directory_is_confined(tmp_path, monkeypatch):
    """`runs` may be a link to elsewhere (a scratch disk): its children are still inside it."""
    (tmp_path / "scratch").mkdir()
    os.symlink(tmp_path / "scratch", tmp_path / "runs")
    monkeypatch.chdir(tmp_path)
    assert default_out("x-seed1") == Path("runs") / "x-seed1"
    with pytest.raises(safepaths.UnsafePathError):
        safepaths.confined(Path("runs"), Path("runs") / ".." / "x")


def test_persisted_failure_names_never_collide_or_escape():
    names = ["a/b", "a-b", "a b", "../../etc/passwd", "x" * 300, "\u202eexe.toml", ".."]
    files = [file_name(name) for name in names]
    assert len(set(files)) == len(files)
    for file in files:
        assert safepaths.component_problem(file) is None and len(file) <= 80
    assert file_name("a-b") == "a-b"  # a safe name keeps its file name


# -- names that identify: refused ----------------------------------------------------------------


def campaign_file(tmp_path: Path, arms: list[str], name: str = "hostile") -> Path:
    path = tmp_path / "c.toml"
    body = CAMPAIGN.replace('name = "hostile"', f"name = {name!r}")
    body = body.replace('[[attacks]]\nname = "none"\n', "")
    body += "".join(f"\n[[attacks]]\nname = {arm!r}\n" for arm in arms)
    path.write_text(body)
    return path


@pytest.mark.parametrize("arms, fragment", [
    (["none", ".."], "attacks.1.name"),
    (["."], "attacks.0.name"),
    (["-x"], "attacks.0.name"),
    (["Key-1", "key_1"], "attacks.1.name"),
    (["none", "NONE"], "attacks.1.name"),
    (["a.b", "a+b"], "attacks.1.name"),
])
def test_arms_that_would_share_a_history_directory_are_refused(tmp_path, capsys, arms,
                                                               fragment):
    path = campaign_file(tmp_path, arms)
    with pytest.raises(ScenarioError) as error:
        load_campaign(path)
    assert error.value.key == fragment
    assert cli_main(["campaign", str(path), "--store", str(tmp_path / "s.sqlite")]) == 3
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {path}: {fragment}: expected ")
    assert not (tmp_path / "s.sqlite").exists()


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "-x"])
def test_a_campaign_name_must_be_a_file_name(tmp_path, capsys, name):
    path = campaign_file(tmp_path, ["none"], name=name)
    assert cli_main(["campaign", str(path), "--dry-run"]) == 3
    assert "campaign.name: expected a name usable as a file name" in capsys.readouterr().err


def test_distinct_arms_expand_to_distinct_directories(tmp_path):
    campaign = load_campaign(campaign_file(tmp_path, ["none", "key-1", "key-2", "p0.5"]))
    specs = list(campaign.specs(tmp_path / "histories"))
    directories = [spec.history_dir for spec in specs]
    assert len(set(directories)) == len(directories) == len(specs)
    root = (tmp_path / "histories").resolve()
    assert all(Path(d).resolve().is_relative_to(root) for d in directories)


# -- `run --out`: never over another run silently -------------------------------------------------


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(scenario_toml(scenario_data("honest-multisig"), "s"))
    return path


def test_run_refuses_a_non_empty_out(tmp_path, capsys, scenario):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert cli_main(["run", str(scenario), "--out", str(out), "--quiet"]) == 3
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith(f"error: {out}: expected an empty or new output directory")
    assert "--replace" in line
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]
    # --replace replaces a run's files only: a directory with other files is still refused.
    assert cli_main(["run", str(scenario), "--out", str(out), "--quiet", "--replace"]) == 3
    assert "notes.txt" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "mine"


def test_run_refuses_a_file_as_out(tmp_path, capsys, scenario):
    out = tmp_path / "out"
    out.write_text("x")
    assert cli_main(["run", str(scenario), "--out", str(out), "--quiet"]) == 3
    assert "found a file" in capsys.readouterr().err


def test_replace_replaces_a_previous_run_cleanly(tmp_path, capsys, scenario):
    out = tmp_path / "out"
    assert cli_main(["run", str(scenario), "--out", str(out), "--quiet", "--seed", "1"]) == 0
    first = (out / "history.jsonl").read_bytes()
    assert cli_main(["run", str(scenario), "--out", str(out), "--quiet", "--seed", "2"]) == 3
    assert (out / "history.jsonl").read_bytes() == first  # refused: nothing touched
    (out / ".results.json.1234.deadbeef.tmp").write_text("left by a killed write")
    assert cli_main(["run", str(scenario), "--out", str(out), "--quiet", "--seed", "2",
                     "--replace"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["history.jsonl", "results.json",
                                                     "scenario.toml"]
    assert (out / "history.jsonl").read_bytes() != first
    # The replaced run is used as it is; honest traffic alone tests no attack: inconclusive.
    assert cli_main(["report", str(out), "--out", str(tmp_path / "r"), "--no-cost",
                     "--quiet"]) == 2
    summary = json.loads((tmp_path / "r" / "report.json").read_text())["summary"]
    assert summary["runs"] == 1 and not summary["unusable"]
