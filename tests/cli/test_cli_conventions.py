"""The output convention of every command (`bridgelab.output`): `--json` prints the machine
result as JSON and nothing else on stdout, `-q` prints only errors, `-v`/`-vv` log on stderr,
and a table piped to another program is never cut.

The commands are enumerated from the parser, and INVOCATIONS must name each one: a new
command that does not follow the convention fails here as soon as it is added."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bridgelab import cli, output
from bridgelab.cli import commands, main
from bridgelab.exitcodes import EXIT_FAIL, EXIT_INCONCLUSIVE, EXIT_PASS
from tests.conftest import tiny_campaign_base

SMALL = Path(__file__).parents[1] / "data" / "small.toml"
CONSOLE_SCRIPT = Path(sys.executable).parent / "bridgelab"
LONG_ARM = "an-arm-whose-name-is-long-enough-to-be-cut-by-an-eighty-column-table-xyz"
CAMPAIGN = f"""
[campaign]
name = "conventions"
seeds = 1

{tiny_campaign_base(network=False)}
[sweep.grid]
"committee.threshold" = [3]
"settlement.finality_slots" = [2]
"workload.deposit_interval" = [5.0]
"workload.withdraw_delay" = [5.0]

[[attacks]]
name = "{LONG_ARM}"
"""


def leaves(parser: argparse.ArgumentParser) -> dict[tuple[str, ...], argparse.ArgumentParser]:
    """Every command path that runs something (`("bench", "crypto")`), with its parser."""
    found: dict[tuple[str, ...], argparse.ArgumentParser] = {}

    def walk(prefix: tuple[str, ...], current: argparse.ArgumentParser) -> None:
        groups = [a for a in current._actions if isinstance(a, argparse._SubParsersAction)]
        if not groups and prefix:
            found[prefix] = current
        for group in groups:
            for name, sub in group.choices.items():
                walk((*prefix, name), sub)

    walk((), cli.build_parser())
    return found


LEAVES = leaves(cli.build_parser())


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> dict[str, Path]:
    """Inputs the commands read: two run directories and a campaign store of one run."""
    base = tmp_path_factory.mktemp("inputs")
    for seed in (1, 2):
        assert main(["run", str(SMALL), "--seed", str(seed), "-q",
                     "--out", str(base / f"run{seed}")]) == EXIT_PASS
    campaign = base / "conventions.toml"
    campaign.write_text(CAMPAIGN)
    store = base / "store.sqlite"
    assert main(["campaign", str(campaign), "--store", str(store), "--jobs", "1",
                 "-q"]) == EXIT_PASS
    return {"run1": base / "run1", "run2": base / "run2", "campaign": campaign,
            "store": store}


def _workload() -> list[str]:
    return ["bench", "workload", "--transfers", "2", "--repeats", "1", "--configs", "multisig",
            "--modes", "batched", "--sizes", "4", "--scaling-transfers", "2", "--lengths", "2",
            "--campaign-runs", "0", "--pyecc-transfers", "1"]


# One cheap, valid invocation per command, and the exit codes it may give. `tmp` is a fresh
# folder for what the command writes.
INVOCATIONS = {
    ("run",): (lambda m, tmp: ["run", str(SMALL), "--seed", "3", "--out", str(tmp / "r")],
               {EXIT_PASS}),
    ("hunt",): (lambda m, tmp: ["hunt", str(SMALL), "--budget-seconds", "1", "--horizon", "100",
                                "--entities", "1", "--no-persist", "--out", str(tmp / "h")],
                {EXIT_FAIL, EXIT_INCONCLUSIVE}),
    ("attacks", "list"): (lambda m, tmp: ["attacks", "list"], {EXIT_PASS}),
    ("attacks", "show"): (lambda m, tmp: ["attacks", "show", "key.compromise"], {EXIT_PASS}),
    ("bench", "crypto"): (lambda m, tmp: ["bench", "crypto", "--quick", "--backends", "blst",
                                          "--sizes", "2"], {EXIT_PASS}),
    ("bench", "workload"): (lambda m, tmp: _workload(), {EXIT_PASS}),
    ("validate",): (lambda m, tmp: ["validate", str(SMALL)], {EXIT_PASS}),
    ("check",): (lambda m, tmp: ["check", str(SMALL), "--determinism", "none", "--no-replay",
                                 "--out", str(tmp / "c")], {EXIT_PASS}),
    ("campaign",): (lambda m, tmp: ["campaign", str(m["campaign"]), "--jobs", "1",
                                    "--store", str(tmp / "s.sqlite")], {EXIT_PASS}),
    ("campaign-stats",): (lambda m, tmp: ["campaign-stats", str(m["campaign"]),
                                          "--store", str(m["store"])], {EXIT_PASS}),
    ("campaign-export",): (lambda m, tmp: ["campaign-export", str(m["campaign"]),
                                           "--store", str(m["store"]),
                                           "--csv", str(tmp / "x.csv")], {EXIT_PASS}),
    ("report",): (lambda m, tmp: ["report", str(m["run1"]), "--out", str(tmp / "rep"),
                                  "--no-cost"], {EXIT_PASS, EXIT_FAIL, EXIT_INCONCLUSIVE}),
    ("init",): (lambda m, tmp: ["init", str(tmp / "project")], {EXIT_PASS}),
    ("schema",): (lambda m, tmp: ["schema"], {EXIT_PASS}),
    ("show",): (lambda m, tmp: ["show", str(m["run1"])], {EXIT_PASS}),
    ("diff",): (lambda m, tmp: ["diff", str(m["run1"]), str(m["run2"])], {EXIT_FAIL}),
}
# Minutes of benchmarking, even this small: with the slow tests.
SLOW = {("bench", "workload")}
CASES = [pytest.param(path, marks=pytest.mark.slow) if path in SLOW else path
         for path in INVOCATIONS]


def test_every_command_has_an_invocation_here():
    assert set(INVOCATIONS) == set(LEAVES)


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_takes_json_quiet_and_verbose(path):
    options = {option: action for action in LEAVES[path]._actions
               for option in action.option_strings}
    assert {"-q", "--quiet", "-v", "--verbose", "--json"} <= set(options)
    # --json is a switch everywhere: it never takes a file (that is --json-out FILE).
    assert options["--json"].nargs == 0
    if "--json-out" in options:
        assert options["--json-out"].metavar == "FILE"
    assert "-v" in LEAVES[path].format_help() and "--json" in LEAVES[path].format_help()


def _run(argv, capsys):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("path", CASES, ids=" ".join)
def test_json_is_all_of_stdout_and_quiet_leaves_stderr_empty(path, made, tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv, codes = INVOCATIONS[path]
    code, out, err = _run([*argv(made, tmp_path / "a"), "--json", "-q"], capsys)
    assert code in codes, err
    assert isinstance(json.loads(out), dict | list)  # the whole of stdout is one JSON value
    assert err == ""
    code, out, err = _run([*argv(made, tmp_path / "b"), "-q"], capsys)
    assert code in codes, err
    assert err == ""
    # Only errors: nothing on stdout either (the schema is JSON output in itself).
    assert out == "" or (path == ("schema",) and json.loads(out)["$schema"])


@pytest.mark.parametrize("path", CASES, ids=" ".join)
def test_vv_logs_the_command_on_stderr(path, made, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    argv, codes = INVOCATIONS[path]
    code, _out, err = _run(["-vv", *argv(made, tmp_path)], capsys)
    assert code in codes, err
    assert f"DEBUG bridgelab.cli: command {path[0]}: " in err


def test_v_is_info_and_the_default_logs_nothing(tmp_path, capsys):
    code, _out, err = _run(["run", str(SMALL), "--seed", "1", "--out", str(tmp_path / "a"),
                            "-v"], capsys)
    assert code == EXIT_PASS
    assert "INFO bridgelab.run: running " in err and "DEBUG" not in err
    code, _out, err = _run(["run", str(SMALL), "--seed", "1", "--out", str(tmp_path / "b")],
                           capsys)
    assert code == EXIT_PASS and "bridgelab.run:" not in err


def test_quiet_still_prints_errors(tmp_path, capsys):
    code, out, err = _run(["validate", str(tmp_path / "missing.toml"), "-q", "--json"], capsys)
    assert code == 3 and out == ""
    assert err.startswith("error: ") and "missing.toml" in err


def test_flags_work_before_and_after_the_command(made, capsys):
    before = _run(["-q", "attacks", "--json", "list"], capsys)
    after = _run(["attacks", "list", "--json", "-q"], capsys)
    assert before == after and before[0] == EXIT_PASS
    kinds = [entry["kind"] for entry in json.loads(before[1])]
    assert "key.compromise" in kinds


def test_the_old_json_file_spelling_still_writes_the_file(made, tmp_path, capsys):
    stats = tmp_path / "stats.json"
    code, out, err = _run(["campaign-stats", str(made["campaign"]), "--store",
                           str(made["store"]), "--json", str(stats)], capsys)
    assert code == EXIT_PASS and out == ""  # the old meaning: the file, not stdout
    assert json.loads(stats.read_text())["runs_stored"] == 1
    assert "--json FILE is deprecated; use --json-out" in err
    assert "deprecated" in LEAVES[("campaign-stats",)].format_help()


def test_check_json_is_the_summary_and_lines_go_to_stderr(tmp_path, capsys):
    code, out, err = _run(["check", str(SMALL), "--determinism", "none", "--no-replay",
                           "--out", str(tmp_path / "c"), "--json"], capsys)
    assert code == EXIT_PASS
    summary = json.loads(out)
    assert summary == json.loads((tmp_path / "c" / "summary.json").read_text())
    assert "small" in err and "junit:" in err  # the human lines, moved to stderr


def test_the_lazy_parser_is_the_full_parser():
    """`bridgelab --help` and each command's parser, built without the other commands'
    modules, read exactly as the parser built from every module."""
    full = cli.build_parser()
    assert commands.build_parser(only="").format_help() == full.format_help()
    full_commands = leaves(full)
    for name in commands.COMMANDS:
        lazy = commands.build_parser(only=name)
        assert lazy.format_help() == full.format_help()
        for path, parser in leaves(lazy).items():
            if path[0] == name:
                assert parser.format_help() == full_commands[path].format_help()


def test_help_imports_no_command_module():
    code = ("import sys; from bridgelab.cli import main; main(['--help']);"
            " print(sorted(m for m in sys.modules if m.startswith(('bridgelab.gate',"
            " 'bridgelab.campaign', 'bridgelab.report', 'bridgelab.runner', 'rich'))"
            " or m in ('bridgelab.cli.run', 'bridgelab.evidence')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stderr.strip() == "[]", done.stderr


# -- names never cut when piped -----------------------------------------------------------------


def _piped(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    return subprocess.run([str(CONSOLE_SCRIPT), *argv], capture_output=True, text=True,
                          check=False, cwd=cwd, env=env, timeout=300)


def test_a_long_configuration_and_arm_appear_whole_through_a_pipe(made, tmp_path):
    done = _piped(["campaign-stats", str(made["campaign"]), "--store", str(made["store"])],
                  tmp_path)
    assert done.returncode == EXIT_PASS, done.stderr
    label = ("committee.threshold=3, settlement.finality_slots=2,"
             " workload.deposit_interval=5, workload.withdraw_delay=5")
    [row] = [line for line in done.stderr.splitlines() if LONG_ARM in line]
    assert label in row and "…" not in row


def test_attack_summaries_appear_whole_through_a_pipe(tmp_path):
    from bridgelab.nemesis.specs import CATALOG

    done = _piped(["attacks", "list"], tmp_path)
    assert done.returncode == EXIT_PASS, done.stderr
    lines = done.stdout.splitlines()
    for kind, info in CATALOG.items():
        assert any(kind in line and info.summary in line for line in lines), kind


def test_a_long_scenario_name_appears_whole_through_a_pipe(tmp_path):
    name = "a-scenario-name-long-enough-that-an-eighty-column-terminal-would-cut-or-wrap-it"
    scenario = tmp_path / "long.toml"
    scenario.write_text(SMALL.read_text().replace('name = "small"', f'name = "{name}"'))
    done = _piped(["run", str(scenario), "--seed", "1", "--out", str(tmp_path / "r")],
                  tmp_path)
    assert done.returncode == EXIT_PASS, done.stderr
    assert f"{name} · seed 1" in done.stderr


def test_a_console_on_a_file_is_as_wide_as_a_pipe(tmp_path):
    with (tmp_path / "file.txt").open("w") as file:
        assert output.console(file=file, minimum=120).width == output.PIPE_WIDTH
