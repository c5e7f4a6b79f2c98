"""Strings from scenarios and results reach terminals and reports escaped (issue 20,
"Messages": NUL and right-to-left override characters from scenario strings reach the
report)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bridgelab.cli import main as cli_main
from bridgelab.exitcodes import EXIT_BAD_INPUT
from bridgelab.hunt.artefacts import scenario_toml
from bridgelab.report.cli import VERDICT_CODES
from bridgelab.textsafe import deep_printable, for_rich, printable
from tests.report.report_fixtures import scenario_data

HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
LETTERS = "caf\u00e9 \u4e2d\u6587 \u05e9\u05dc\u05d5\u05dd"  # kept as they are


def hidden(text: str) -> list[str]:
    return [char for char in text if unicodedata.category(char) in HIDDEN]


@pytest.mark.parametrize("raw, shown", [
    ("plain", "plain"),
    ("a\x00b", "a\\x00b"),
    ("two\nlines", "two\\x0alines"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
    ("zero\u200bwidth", "zero\\u200bwidth"),
    ("lone \ud800 surrogate", "lone \\ud800 surrogate"),
    ("\u2028sep", "\\u2028sep"),
    ("tag\U000e0041", "tag\\U000e0041"),
    (LETTERS, LETTERS),
    ("\x7f\x85", "\\x7f\\x85"),
])
def test_printable_escapes_what_hides_or_breaks_a_line(raw, shown):
    assert printable(raw) == shown


@given(st.text())
def test_printable_leaves_nothing_hidden_and_writes_as_utf8(text):
    shown = printable(text)
    assert not hidden(shown)
    shown.encode("utf-8")  # a lone surrogate would raise here
    assert printable(shown) == shown  # escaping twice changes nothing more


@given(st.text(), st.integers(min_value=1, max_value=60))
def test_printable_respects_its_limit(text, limit):
    assert len(printable(text, limit)) <= limit


def test_for_rich_escapes_markup():
    from rich.console import Console

    console = Console(record=True, width=200)
    console.print(for_rich("[/] [bold]x\x00"))
    assert console.export_text().strip() == "[/] [bold]x\\x00"


def test_deep_printable_reaches_keys_and_nested_values():
    cleaned = deep_printable({"a\nb": [{"c": "d\u202e"}, 3, None, ("e\x00",)]})
    assert cleaned == {"a\\x0ab": [{"c": "d\\u202e"}, 3, None, ["e\\x00"]]}


NAME = "bridge\x00\u202e[/]\nsecond line"


def test_a_hostile_scenario_name_is_refused_in_an_escaped_message(tmp_path, capsys):
    data = scenario_data("collusion-multisig")
    data["scenario"]["name"] = NAME
    data["scenario"]["description"] = "desc\u202e\x1b[2J"
    data["attacks"][0]["name"] = "attack\u2066\x07"
    scenario = tmp_path / "s.toml"
    scenario.write_text(scenario_toml(data, "hostile strings"))
    capsys.readouterr()
    for argv in (["run", str(scenario), "--out", str(tmp_path / "run"), "--seed", "1"],
                 ["validate", str(scenario)]):
        assert cli_main(argv) == EXIT_BAD_INPUT
        terminal = capsys.readouterr()
        assert not hidden(terminal.err.replace("\n", "")), terminal.err
        assert "bridge\\x00\\u202e[/]\\nsecond line" in terminal.err.replace("\n", "")
    assert not (tmp_path / "run").exists()


def test_a_hostile_path_reaches_no_terminal_nor_report_raw(tmp_path, capsys):
    data = scenario_data("collusion-multisig")
    folder = tmp_path / "dir\u202e[b]\x1b[2J"
    folder.mkdir()
    scenario = folder / "s\u2066.toml"
    scenario.write_text(scenario_toml(data, "hostile path"))
    out = tmp_path / "run"
    capsys.readouterr()
    # Without --quiet: the summary table names the scenario (and "[/]" is not markup).
    assert cli_main(["run", str(scenario), "--out", str(out), "--seed", "1"]) == 1
    terminal = capsys.readouterr()
    assert not hidden(terminal.err.replace("\n", "")), terminal.err
    code = cli_main(["report", str(out), "--out", str(tmp_path / "r"), "--no-cost", "--quiet"])
    verdict = json.loads((tmp_path / "r" / "report.json").read_text())["summary"]["verdict"]
    assert code == VERDICT_CODES[verdict]
    for name in ("report.md", "runs.md", "report.html", "runs.html", "report.json"):
        text = (tmp_path / "r" / name).read_text(encoding="utf-8")
        assert not hidden(text.replace("\n", "").replace("\t", "")), name


def test_check_lines_and_junit_are_escaped(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = scenario_data("collusion-multisig")
    scenario = tmp_path / "line\u202ebreak\x07.toml"
    scenario.write_text(scenario_toml(data, "hostile path"))
    capsys.readouterr()
    assert cli_main(["check", str(scenario), "--determinism", "none", "--no-replay"]) == 1
    out = capsys.readouterr().out
    assert not hidden(out.replace("\n", "")) and "line\\u202ebreak\\x07.toml" in out
    junit = Path("bridgelab-check/junit.xml").read_text(encoding="utf-8")
    assert not hidden(junit.replace("\n", ""))
    import xml.etree.ElementTree as ET

    ET.fromstring(junit)  # still well-formed XML
