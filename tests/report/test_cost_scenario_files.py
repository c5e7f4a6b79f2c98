"""The report's cost search on scenarios that name files beside themselves: the user's own
contract (attacks/byo-contract/) and properties of their own. Each search reads them where
the campaign read them; its witness has copies beside it and replays from anywhere; a
scenario whose files cannot be read there, or changed since its runs, is not searched, and
the report says so rather than stop or vouch for another bridge."""

from __future__ import annotations

import copy
import hashlib
import json
import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

from bridgelab.cli import main as cli_main
from bridgelab.report import cost
from bridgelab.report.records import RunRecord
from tests.conftest import ATTACKS, byo_example_copy

EXAMPLE = ATTACKS / "byo-contract"
BYO_CAMPAIGN = """[campaign]
name = "byo-small"
base = "../attacks/byo-contract/scenario.toml"
seeds = 1

[[attacks]]
name = "none"

[[attacks]]
name = "empty-certificate"
kind = "forge.empty_certificate"
schedule = { at = 60.0 }
params = { amount = 1_000_000 }
"""
# A small bridge (multisig 3-of-4) judged by a property of its own, from a module beside it.
OWN_PROPERTIES = """[scenario]
name = "own-props"
duration = 600.0

[consortium]
validators = 4

[relayers]
count = 1

[committee]
members = 4
threshold = 3
required = []

[settlement]
slot_time = 2.0
finality_slots = 2

[checks]
properties = ["props_beside_report:small"]

[workload]
users = 2
deposits = 2
withdrawals = 1
deposit_interval = 5.0
withdraw_delay = 5.0
"""
PROPERTY_MODULE = (
    "from bridgelab.checker.api import always\n"
    "@always('mine.small-mints', 'No mint above 500,000.')\n"
    "def small(event, view):\n"
    "    if event.kind == 'mint' and event.fields['amount'] > 500_000:\n"
    "        return 'a large mint'\n"
    "    return None\n"
)


def _campaign(root: Path, text: str) -> Path:
    """Run the campaign `text` (its file in root/campaigns) into a store; its path."""
    (root / "campaigns").mkdir(parents=True, exist_ok=True)
    file = root / "campaigns" / "campaign.toml"
    file.write_text(text)
    store = root / "store.sqlite"
    code = cli_main(["campaign", str(file), "--jobs", "1", "--store", str(store),
                     "--histories", str(root / "histories"), "--quiet"])
    assert code in (0, 1), code
    return store


def _report(root: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, dict]:
    """`bridgelab report` on `store`, from a directory other than the scenario's."""
    elsewhere = root / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    monkeypatch.chdir(elsewhere)
    code = cli_main(["report", str(store), "--out", str(root / "report"), "--quiet"])
    return code, json.loads((root / "report" / "report.json").read_text())


@pytest.fixture(scope="module")
def byo_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, dict]:
    pytest.importorskip("eth", reason="needs the 'evm' extra")
    root = tmp_path_factory.mktemp("byo-report")
    shutil.copytree(EXAMPLE, root / "attacks" / "byo-contract")
    store = _campaign(root, BYO_CAMPAIGN)
    with pytest.MonkeyPatch.context() as monkeypatch:
        code, report = _report(root, store, monkeypatch)
    return root, code, report


def test_the_report_searches_the_users_contract_where_the_campaign_read_it(byo_report):
    root, code, report = byo_report
    assert code == 1, "a broken contract: unsafe (1), not bad input (3)"
    (entry,) = report["cost_to_break"]
    # The example falls to a forgery with no key at all (hunt/keyless.py).
    assert entry["entities"] == [] and entry["scenarios_searched"] == 1
    assert entry["reproduce"], entry
    assert "## Cost to break" in (root / "report" / "report.md").read_text()
    # A break with no key ([], not None) still shows its attack and how to replay it.
    assert "Minimal attack found" in (root / "report" / "report.html").read_text()


def test_the_reports_witness_replays_from_anywhere_to_its_verdicts(byo_report, tmp_path,
                                                                    monkeypatch):
    root, _code, report = byo_report
    (entry,) = report["cost_to_break"]
    command = shlex.split(entry["reproduce"])
    saved = Path(command[2])
    saved = saved if saved.is_absolute() else root / "elsewhere" / saved
    # A folder of its own, the contract beside it as the campaign read it.
    assert saved.name == "scenario.toml" and saved.parent.parent.name == "witnesses"
    assert (saved.parent / "verifier.vy").read_bytes() == (EXAMPLE / "verifier.vy").read_bytes()
    monkeypatch.chdir(tmp_path)
    assert cli_main(["run", str(saved), *command[3:], "--quiet",
                     "--out", str(tmp_path / "replay")]) == 1
    verdicts = json.loads((tmp_path / "replay" / "results.json").read_text())["verdicts"]
    failed = sorted(p for p, v in verdicts.items() if p.startswith("safety.") and v == "fail")
    assert failed == entry["violations"]


def test_a_scenario_with_properties_of_its_own_is_searched_beside_them(tmp_path, monkeypatch):
    """The store gives such a run its directory too; the witness carries the module."""
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "props_beside_report.py").write_text(PROPERTY_MODULE)
    (tmp_path / "scenario" / "scenario.toml").write_text(OWN_PROPERTIES)
    store = _campaign(tmp_path, '[campaign]\nname = "own-props"\n'
                      'base = "../scenario/scenario.toml"\nseeds = 1\n\n'
                      '[[attacks]]\nname = "none"\n')
    code, report = _report(tmp_path, store, monkeypatch)
    assert code in (0, 1), code
    (entry,) = report["cost_to_break"]
    assert entry["scenarios_searched"] == 1 and entry["entities"], entry
    witness = next((tmp_path / "report" / "witnesses").glob("*/scenario.toml"))
    assert (witness.parent / "props_beside_report.py").read_text() == PROPERTY_MODULE


def test_a_run_directory_is_searched_beside_the_scenario_it_was_made_from(tmp_path,
                                                                          monkeypatch):
    """A report of run directories (no store) takes the directory from the run's recorded
    reproduce command, while that file still has the run's scenario hash."""
    pytest.importorskip("eth", reason="needs the 'evm' extra")
    shutil.copytree(EXAMPLE, tmp_path / "byo")
    monkeypatch.chdir(tmp_path)
    assert cli_main(["run", "byo/empty-certificate.toml", "--seed", "1", "--quiet",
                     "--out", "runs/witness"]) == 1
    code = cli_main(["report", "runs", "--out", "report", "--quiet"])
    assert code == 1, code
    (entry,) = json.loads((tmp_path / "report" / "report.json").read_text())["cost_to_break"]
    assert entry["scenarios_searched"] == 1 and entry["entities"] == [], entry


# -- the search's own records --------------------------------------------------------------


def _byo_record(directory: Path | None, code: str, name: str = "byo") -> RunRecord:
    """A run of the example's scenario read from `directory`; `code` stands for the
    contract it deployed (two codes, two configurations)."""
    from bridgelab.scenario import load_scenario

    config = load_scenario(EXAMPLE / "scenario.toml").model_dump(mode="json",
                                                                 exclude_none=True)
    return RunRecord(id=name, scenario=name, seed=1, verdicts={}, metrics={},
                     config=copy.deepcopy(config), deployed_code=code,
                     scenario_dir=None if directory is None else str(directory))


def _fixed_copy(tmp_path: Path) -> Path:
    return byo_example_copy(tmp_path / "fixed", fix=True)


def test_two_witnesses_of_one_file_name_keep_their_own_contracts(tmp_path):
    pytest.importorskip("eth", reason="needs the 'evm' extra")
    fixed = _fixed_copy(tmp_path)
    records = [_byo_record(EXAMPLE, "flawed"), _byo_record(fixed, "fixed", "byo-fixed")]
    entries = cost.compute(records, tmp_path / "out")
    # Both fall to a keyless forgery (the fixed one to the replayed digest).
    assert len(entries) == 2 and all(e["entities"] == [] for e in entries.values())
    contracts = sorted((tmp_path / "out" / "witnesses").glob("*/verifier.vy"))
    assert sorted(path.read_bytes() for path in contracts) == sorted(
        (d / "verifier.vy").read_bytes() for d in (EXAMPLE, fixed))


def _history(path: Path, files: dict[str, Any]) -> str:
    path.write_text(json.dumps({"kind": "contract.deployed", "files": files}) + "\n")
    return str(path)


@pytest.mark.parametrize("case", ["directory unknown", "file missing", "contract changed"])
def test_a_scenario_whose_files_cannot_be_read_as_its_runs_read_them_is_not_searched(
        case, tmp_path):
    """Not searched, and the entry says why: never a stop (exit 3), never a search of a
    contract other than the one the runs deployed."""
    if case != "directory unknown":
        pytest.importorskip("eth", reason="needs the 'evm' extra")
    directory = tmp_path / "byo"
    shutil.copytree(EXAMPLE, directory)
    record = _byo_record(None if case == "directory unknown" else directory, "code")
    if case == "file missing":
        (directory / "verifier.vy").unlink()
    if case == "contract changed":
        recorded = hashlib.sha256(b"the contract the runs deployed").hexdigest()
        record.history_path = _history(tmp_path / "history.jsonl", {"verifier.vy": recorded})
    (entry,) = cost.compute([record], tmp_path / "out").values()
    assert entry["entities"] is None and entry["searched_all"] is False
    assert entry["scenarios_searched"] == 0 and entry["evaluations"] == 0
    (why,) = entry["incomplete_reasons"]
    assert why.startswith("a scenario was not searched")
    assert not (tmp_path / "out" / "witnesses").exists()



# -- a report's saved scenarios --------------------------------------------------------------


def _own_property_runs(root: Path) -> Path:
    """A campaign of the own-property scenario; its store."""
    (root / "scenario").mkdir()
    (root / "scenario" / "props_beside_report.py").write_text(PROPERTY_MODULE)
    (root / "scenario" / "scenario.toml").write_text(OWN_PROPERTIES)
    return _campaign(root, '[campaign]\nname = "own-props"\n'
                     'base = "../scenario/scenario.toml"\nseeds = 1\n\n'
                     '[[attacks]]\nname = "none"\n')


def _saved_reproduce(root: Path, monkeypatch: pytest.MonkeyPatch,
                     *flags: str) -> list[str | None]:
    elsewhere = root / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    monkeypatch.chdir(elsewhere)
    cli_main(["report", str(root / "store.sqlite"), "--out", str(root / "report"), "--quiet",
              *flags])
    runs = json.loads((root / "report" / "report.json").read_text())["runs"]
    return [run.get("reproduce") for run in runs]


def test_a_saved_scenario_with_properties_of_its_own_replays_beside_its_module(
        tmp_path, monkeypatch):
    """The run's history names the property module it read, with its SHA-256; the report's
    saved copy carries it, so the replay is judged by the same property, from anywhere."""
    _own_property_runs(tmp_path)
    (reproduce,) = _saved_reproduce(tmp_path, monkeypatch, "--no-cost")
    command = shlex.split(reproduce)
    saved = tmp_path / "elsewhere" / command[2]
    assert saved.name == "scenario.toml"
    assert (saved.parent / "props_beside_report.py").read_text() == PROPERTY_MODULE
    monkeypatch.chdir(tmp_path)
    assert cli_main(["run", str(saved), *command[3:], "--quiet",
                     "--out", str(tmp_path / "replay")]) == 0
    verdicts = json.loads((tmp_path / "replay" / "results.json").read_text())["verdicts"]
    assert verdicts.get("mine.small-mints") == "pass", verdicts


def test_a_property_module_changed_since_the_runs_is_neither_carried_nor_searched(
        tmp_path, monkeypatch):
    """A copy beside another module would replay another property, and a search beside it
    would judge another bridge: no command, and the cost entry says why it did not search."""
    _own_property_runs(tmp_path)
    (tmp_path / "scenario" / "props_beside_report.py").write_text(
        PROPERTY_MODULE.replace("500_000", "5"))
    assert _saved_reproduce(tmp_path, monkeypatch) == [None]
    assert not list((tmp_path / "report").glob("scenarios/*/props_beside_report.py"))
    (entry,) = json.loads((tmp_path / "report" / "report.json").read_text())["cost_to_break"]
    assert entry["scenarios_searched"] == 0 and entry["entities"] is None, entry
    assert entry["incomplete_reasons"] == [
        "a scenario was not searched: the files it names have changed since its runs read"
        " them"]
