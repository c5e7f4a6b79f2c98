"""A scenario's own modules are its own: two scenario directories that each hold a module of
one name (two contracts' adapters, two sets of properties) each get theirs within one
process, as a report's searches or a campaign worker's runs would ask for them."""

from __future__ import annotations

from pathlib import Path

from bridgelab.checker.api import load_user_properties

MODULE = (
    "from bridgelab.checker.api import always\n"
    "@always('mine.{name}', 'Scenario {name} only.')\n"
    "def check(event, view):\n"
    "    return None\n"
)


def _scenario_dir(root: Path, name: str) -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "same_name_props.py").write_text(MODULE.format(name=name))
    return directory


def test_two_directories_with_a_module_of_one_name_each_get_their_own(tmp_path):
    first, second = _scenario_dir(tmp_path, "first"), _scenario_dir(tmp_path, "second")
    for directory, expected in ((first, "mine.first"), (second, "mine.second"),
                                (first, "mine.first")):
        [prop] = load_user_properties(["same_name_props:check"], directory)
        assert prop.id == expected


def test_a_module_from_the_same_directory_is_imported_once(tmp_path):
    directory = _scenario_dir(tmp_path, "only")
    [a] = load_user_properties(["same_name_props:check"], directory)
    [b] = load_user_properties(["same_name_props:check"], directory)
    assert a.check is b.check


def test_a_helper_the_users_module_imports_is_its_directorys_own(tmp_path):
    """Each directory's property module imports a helper of one name: each gets its own."""
    for name in ("first", "second"):
        directory = tmp_path / name
        directory.mkdir()
        (directory / "shared_helper_mod.py").write_text(f"NAME = {name!r}\n")
        (directory / "props_with_helper.py").write_text(
            "import shared_helper_mod\n" + MODULE.replace(
                "'mine.{name}'", "'mine.' + shared_helper_mod.NAME"))
    for name in ("first", "second", "first"):
        [prop] = load_user_properties(["props_with_helper:check"], tmp_path / name)
        assert prop.id == f"mine.{name}"


def test_a_module_of_one_name_imported_first_from_elsewhere_is_not_reused(tmp_path,
                                                                          monkeypatch):
    """A property module first imported with no scenario directory (found on the path,
    as from the working directory) must not answer for a scenario directory's own."""
    elsewhere = _scenario_dir(tmp_path, "elsewhere")
    scenario = _scenario_dir(tmp_path, "scenario")
    monkeypatch.syspath_prepend(str(elsewhere))
    [first] = load_user_properties(["same_name_props:check"], None)
    assert first.id == "mine.elsewhere"
    [own] = load_user_properties(["same_name_props:check"], scenario)
    assert own.id == "mine.scenario"


def test_a_helper_imported_first_from_elsewhere_is_not_reused(tmp_path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "shadowed_helper_mod.py").write_text("NAME = 'elsewhere'\n")
    scenario = tmp_path / "scenario"
    scenario.mkdir()
    (scenario / "shadowed_helper_mod.py").write_text("NAME = 'scenario'\n")
    (scenario / "props_with_shadowed_helper.py").write_text(
        "import shadowed_helper_mod\n" + MODULE.replace(
            "'mine.{name}'", "'mine.' + shadowed_helper_mod.NAME"))
    monkeypatch.syspath_prepend(str(elsewhere))
    __import__("shadowed_helper_mod")
    [prop] = load_user_properties(["props_with_shadowed_helper:check"], scenario)
    assert prop.id == "mine.scenario"


def test_a_scenario_file_named_like_installed_code_leaves_that_code_cached(tmp_path):
    """Only the user's own modules are dropped from the cache: a scenario directory holding
    a `json.py` or a `bridgelab` folder does not unload the standard library or the tool."""
    import json

    import bridgelab

    directory = _scenario_dir(tmp_path, "names")
    (directory / "json.py").write_text("")
    (directory / "bridgelab").mkdir()
    (directory / "bridgelab" / "__init__.py").write_text("")
    load_user_properties(["same_name_props:check"], directory)
    import sys

    assert sys.modules["json"] is json
    assert sys.modules["bridgelab"] is bridgelab
