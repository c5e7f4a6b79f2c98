"""`bridgelab init` and `bridgelab schema`: the starter project, every file of it valid.

The starter's scenarios are the repository's own example files (package data that resolves
to attacks/), so they cannot drift; the files only the starter has (a campaign, a pytest
file with a property, a CI workflow) are checked here by loading them the way their users
would. The install of the built wheel outside the repository is test_wheel_install.py.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path

import jsonschema
import pytest

from bridgelab import schema_json
from bridgelab.campaign.spec import load_campaign
from bridgelab.checker.api import UserProperty, check_user_properties
from bridgelab.cli import main
from bridgelab.scenario import ScenarioError, load_scenario
from bridgelab.starter.init import create, packaged_files

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("starter") / "my-bridge"
    assert main(["init", str(target), "--quiet"]) == 0
    return target


def test_the_starter_has_each_promised_part(project):
    files = {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()}
    assert {"attacks/baseline.toml", "campaigns/starter.toml", "tests/test_bridge.py",
            "tests/my_properties.py", ".github/workflows/bridgelab.yml", "README.md",
            "schema/scenario.schema.json", "schema/campaign.schema.json"} <= files
    # One scenario per attack family (the part of the kind before the dot).
    families = set()
    for path in (project / "attacks").glob("*.toml"):
        data = tomllib.loads(path.read_text())
        families |= {attack["kind"].split(".")[0] for attack in data.get("attacks", [])}
    assert {"key", "forge", "collusion", "relayer", "oracle", "l2", "settlement",
            "ecdsa", "message", "network"} <= families
    incidents = sorted(p.name for p in (project / "attacks" / "incidents").glob("*.toml"))
    assert len(incidents) >= 10 and "nomad-2022.toml" in incidents


def test_every_scenario_validates_and_names_its_schema(project):
    scenarios = sorted((project / "attacks").rglob("*.toml"))
    schema = json.loads((project / "schema" / "scenario.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    for path in scenarios:
        scenario = load_scenario(path)
        check_user_properties(scenario.checks.properties, path.parent, str(path))
        first = path.read_text().splitlines()[0]
        assert first.startswith("#:schema "), path
        assert (path.parent / first.split(" ", 1)[1]).resolve() == (
            project / "schema" / "scenario.schema.json").resolve(), path
        assert not list(validator.iter_errors(tomllib.loads(path.read_text()))), path


def test_the_campaign_loads_and_matches_its_schema(project):
    path = project / "campaigns" / "starter.toml"
    campaign = load_campaign(path)
    assert campaign.total_runs() == 2 * 3 * 5  # two custody schemes x three arms x five seeds
    schema = json.loads((project / "schema" / "campaign.schema.json").read_text())
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(
        tomllib.loads(path.read_text())))


def test_the_property_module_gives_a_property_and_the_test_file_parses(project):
    refs = ["my_properties:no_large_mint"]
    (prop,) = check_user_properties(refs, project / "tests", "tests/my_properties.py")
    assert isinstance(prop, UserProperty) and prop.id == "mine.no-large-mint"
    tree = ast.parse((project / "tests" / "test_bridge.py").read_text())
    tests = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert len(tests) >= 2 and all(name.startswith("test_") for name in tests)


def test_the_workflow_installs_bridgelab_and_uploads_the_hidden_folder(project):
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load((project / ".github" / "workflows" / "bridgelab.yml").read_text())
    steps = workflow["jobs"]["bridgelab"]["steps"]
    runs = " ".join(step.get("run", "") for step in steps)
    assert "pip install \"bridgelab==" in runs and "__VERSION__" not in runs
    assert "pip install ." not in runs  # the user's repository is not a package
    assert "bridgelab check attacks/" in runs
    upload = next(step for step in steps if "upload-artifact" in step.get("uses", ""))
    assert upload["with"]["include-hidden-files"] is True
    assert ".bridgelab/" in upload["with"]["path"]


def test_the_packaged_examples_are_the_repositorys_files():
    for relative, source in packaged_files():
        if relative.parts[0] == "attacks":
            assert source.read_bytes() == ROOT.joinpath(*relative.parts).read_bytes(), relative


def test_a_non_empty_folder_is_refused_unless_forced(tmp_path, capsys):
    (tmp_path / "mine.txt").write_text("keep me")
    assert main(["init", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--force" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "attacks").exists()
    assert main(["init", str(tmp_path), "--force", "--quiet"]) == 0
    assert (tmp_path / "mine.txt").read_text() == "keep me"
    assert (tmp_path / "attacks" / "baseline.toml").is_file()


def test_init_over_a_file_is_bad_input(tmp_path, capsys):
    (tmp_path / "f").write_text("")
    assert main(["init", str(tmp_path / "f")]) == 3
    assert "expected a folder" in capsys.readouterr().err


def test_force_replaces_a_link_instead_of_writing_through_it(tmp_path):
    outside = tmp_path / "outside.toml"
    outside.write_text("mine")
    target = tmp_path / "p"
    (target / "attacks").mkdir(parents=True)
    (target / "attacks" / "baseline.toml").symlink_to(outside)
    create(target, force=True)
    assert outside.read_text() == "mine"
    assert not (target / "attacks" / "baseline.toml").is_symlink()


def test_the_committed_schemas_are_current():
    for name, campaign in ((schema_json.SCENARIO_FILE, False), (schema_json.CAMPAIGN_FILE, True)):
        committed = (ROOT / "schema" / name).read_text()
        assert committed == schema_json.render(campaign), (
            f"schema/{name} is stale: bridgelab schema{' --campaign' * campaign}"
            f" --out schema/{name}")


@pytest.mark.parametrize("campaign", [False, True])
def test_every_field_has_a_description_and_numbers_a_unit_or_bounds(campaign):
    schema = schema_json.campaign_schema() if campaign else schema_json.scenario_schema()
    assert schema_json.undescribed(schema) == []
    fields = dict(schema_json.fields(schema))
    assert len(fields) > (30 if campaign else 150)
    if not campaign:
        timeout = fields["Consortium.view_timeout"]
        assert timeout["unit"] == "s" and timeout["default"] == 3.0


def test_schema_prints_json_and_writes_a_file(tmp_path, capsys):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["title"] == "bridgelab scenario"
    out = tmp_path / "c.json"
    assert main(["schema", "--campaign", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["title"] == "bridgelab campaign"


def test_the_schema_rejects_what_the_loader_rejects(tmp_path):
    validator = jsonschema.Draft202012Validator(schema_json.scenario_schema())
    data = tomllib.loads((ROOT / "attacks" / "baseline.toml").read_text())
    data["workload"]["deposit"] = 3
    assert list(validator.iter_errors(data))
    path = tmp_path / "typo.toml"
    path.write_text((ROOT / "attacks" / "baseline.toml").read_text().replace(
        "deposits = 200", "deposit = 200"))
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "workload.deposit" in error.value.message
    assert "did you mean 'deposits'?" in error.value.message


@pytest.mark.parametrize(("text", "key", "meant"), [
    ('[network]\nlatency = { dist = "lognormal", median = 1.0, sigma = 0.1, capp = 3.0 }\n',
     "network.latency.capp", "cap"),
    ('[[attacks]]\nkind = "key.compromise"\nshedule = { at = 3.0 }\n', "attacks.0.shedule",
     "schedule"),
    ("[comittee]\nmembers = 4\n", "comittee", "committee"),
])
def test_unknown_keys_suggest_the_closest_valid_key(tmp_path, text, key, meant):
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\nname = "x"\n' + text)
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert f"{key}: expected no such key (did you mean '{meant}'?)" in error.value.message


def test_a_key_like_nothing_gets_no_suggestion(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[scenario]\nname = "x"\n[workload]\nzzzzzz = 1\n')
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert "did you mean" not in error.value.message


def test_a_campaign_typo_suggests_too(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text('[campaign]\nname = "x"\nseed = 3\n')
    assert main(["campaign", str(path)]) == 3
    assert "campaign.seed: expected no such key (did you mean 'seeds'?)" in capsys.readouterr().err


def test_the_action_installs_bridgelab_itself_and_uploads_the_hidden_folder():
    yaml = pytest.importorskip("yaml")
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install bridgelab")
    assert "GITHUB_ACTION_PATH" in install["run"] and "pip install ." not in install["run"]
    check = next(step for step in steps if step.get("id") == "check")
    assert "bridgelab check $PATHS" in check["run"] and "GITHUB_OUTPUT" in check["run"]
    upload = next(step for step in steps if "upload-artifact" in step.get("uses", ""))
    assert upload["with"]["include-hidden-files"] is True
    assert upload["with"]["path"] == ".bridgelab/"
    # Every input the steps use is declared.
    used = set(re.findall(r"inputs\.([a-z-]+)", (ROOT / "action.yml").read_text()))
    assert used <= set(action["inputs"])
