"""The exit-code contract (`bridgelab.exitcodes`) swept over every command of the parser: a
bad flag exits 3 with the usage, a missing input file exits 3 with one error line, and an
exception no command handles exits 4 with one line naming a saved traceback.

The commands are enumerated from the parser itself, so a new command is swept as soon as it
is added (and must have a handler in `cli.HANDLERS`)."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bridgelab import __version__, cli, exitcodes
from bridgelab.cli import main
from bridgelab.gate.check import GateReport, RunRecord
from bridgelab.gate.determinism import DeterminismResult, ProcessRun

CONSOLE_SCRIPT = Path(sys.executable).parent / "bridgelab"
SMALL = Path(__file__).parents[1] / "data" / "small.toml"
LINE = re.compile(r"internal error: RuntimeError: injected into (?P<command>.+)"
                  r" \(traceback saved to (?P<path>.+)\)")


def command_parsers() -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command and subcommand path (`("bench", "crypto")`) with its parser."""
    found: list[tuple[tuple[str, ...], argparse.ArgumentParser]] = []

    def walk(prefix: tuple[str, ...], parser: argparse.ArgumentParser) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    found.append(((*prefix, name), sub))
                    walk((*prefix, name), sub)

    walk((), cli.build_parser())
    return found


def has_subcommands(parser: argparse.ArgumentParser) -> bool:
    return any(isinstance(a, argparse._SubParsersAction) for a in parser._actions)


def file_positionals(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not a.option_strings and a.type is Path]


def valid_argv(path: tuple[str, ...], parser: argparse.ArgumentParser,
               file: Path) -> list[str]:
    """Arguments the parser accepts: `file` for paths, a choice for choices, "x" otherwise."""
    argv = list(path)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        choice = str(next(iter(action.choices))) if action.choices else "x"
        if not action.option_strings and (action.nargs not in ("*", "?") or action.type is Path):
            argv.append(str(file) if action.type is Path else choice)
        elif action.option_strings and action.required:
            value = str(file.parent / "out") if action.type is Path else choice
            argv += [action.option_strings[0], value]
    return argv


COMMANDS = command_parsers()
LEAVES = [(path, parser) for path, parser in COMMANDS if not has_subcommands(parser)]
WITH_FILES = [(path, parser) for path, parser in LEAVES if file_positionals(parser)]


def ids(items: list[tuple[tuple[str, ...], argparse.ArgumentParser]]) -> list[str]:
    return [" ".join(path) for path, _ in items]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Reports and tracebacks go to tmp_path, not the working tree or the system temp dir."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def test_the_sweep_sees_every_command_and_each_has_a_handler():
    top = {path[0] for path, _ in COMMANDS}
    assert top == set(cli.HANDLERS)
    assert {"run", "check", "report", "campaign", "hunt", "validate"} <= top
    assert ("bench", "crypto") in dict(COMMANDS) and ("attacks", "show") in dict(COMMANDS)
    assert {"run", "check", "report", "campaign", "validate"} <= {p[0] for p, _ in WITH_FILES}


@pytest.mark.parametrize(("path", "parser"), COMMANDS, ids=ids(COMMANDS))
def test_a_bad_flag_is_a_usage_error(path, parser, capsys):
    # Otherwise valid arguments, so the flag alone is what the parser rejects.
    assert main([*valid_argv(path, parser, SMALL), "--seedz=1,2,3"]) == 3
    err = capsys.readouterr().err
    # The command's own usage, then one error line.
    *usage, last = err.splitlines()
    assert usage[0].startswith(f"usage: bridgelab {' '.join(path)} "), err
    assert all(line.startswith(" ") for line in usage[1:]), err
    assert last.startswith(f"bridgelab {' '.join(path)}: error: "), err
    assert "unrecognized arguments: --seedz=1,2,3" in last or (
        has_subcommands(parser) and "required" in last
    ), err


@pytest.mark.parametrize(("path", "parser"), WITH_FILES, ids=ids(WITH_FILES))
def test_a_missing_input_file_is_bad_input(path, parser, tmp_path, capsys):
    missing = tmp_path / "no-such-input.toml"
    assert main(valid_argv(path, parser, missing)) == exitcodes.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "error:" in err and "no-such-input" in err, err
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize(("path", "parser"), LEAVES, ids=ids(LEAVES))
def test_an_uncaught_exception_is_an_internal_error(path, parser, tmp_path, monkeypatch,
                                                    capsys):
    name = " ".join(path)

    def explode(args, err):
        raise RuntimeError(f"injected into {name}\nsecond line of the message")

    monkeypatch.setitem(cli.HANDLERS, path[0], explode)
    argv = valid_argv(path, parser, SMALL)
    assert main(argv) == exitcodes.EXIT_INTERNAL_ERROR
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    match = LINE.fullmatch(lines[0])
    assert match is not None and match["command"] == f"{name} second line of the message"
    saved = Path(match["path"])
    assert saved.parent == tmp_path and saved.name.startswith("bridgelab-traceback-")
    text = saved.read_text()
    assert f"bridgelab {__version__}" in text and repr(argv[-1]) in text
    assert "Traceback (most recent call last)" in text and "in explode" in text


def test_help_and_version_still_exit_0(capsys):
    assert main(["--version"]) == 0
    assert main(["--help"]) == 0
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    assert __version__ in out and exitcodes.summary() in out


def test_no_command_is_a_usage_error(capsys):
    assert main([]) == exitcodes.EXIT_BAD_INPUT
    assert "usage: bridgelab" in capsys.readouterr().err


def test_the_console_script_exits_3_on_a_typo_with_the_usage(tmp_path):
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT), "check", str(SMALL), "--seedz", "1,2,3"],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert completed.returncode == 3
    assert completed.stderr.startswith("usage: bridgelab check")
    assert "unrecognized arguments: --seedz" in completed.stderr
    assert not (tmp_path / "bridgelab-check").exists()  # nothing ran


def test_a_real_process_reports_a_crash_in_one_line_and_exits_4(tmp_path):
    code = (
        "import sys\n"
        "from bridgelab import cli\n"
        "def explode(args, err):\n"
        "    raise ValueError('injected')\n"
        "cli.HANDLERS['validate'] = explode\n"
        "sys.exit(cli.main())\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, "validate", str(SMALL)],
        capture_output=True, text=True, check=False, env=dict(os.environ, TMPDIR=str(tmp_path)),
    )
    assert completed.returncode == 4, completed.stderr
    [line] = completed.stderr.splitlines()
    assert line.startswith("internal error: ValueError: injected (traceback saved to ")
    saved = Path(line.removesuffix(")").rsplit(" ", 1)[1])
    text = saved.read_text()
    assert saved.parent == tmp_path and "in explode\nValueError: injected" in text


def test_ctrl_c_is_one_line_and_130(monkeypatch, capsys):
    def interrupted(args, err):
        raise KeyboardInterrupt

    monkeypatch.setitem(cli.HANDLERS, "validate", interrupted)
    assert main(["validate", str(SMALL)]) == exitcodes.EXIT_INTERRUPTED == 130
    assert capsys.readouterr().err == "interrupted by SIGINT; partial outputs marked incomplete\n"


def test_the_summary_line_is_generated_from_the_contract():
    text = exitcodes.summary()
    for code, meaning in exitcodes.MEANINGS.items():
        assert f"{code} {meaning}" in text
    assert cli.EPILOG.startswith(text)


@pytest.mark.parametrize(("codes", "expected"), [
    ((), 0), ((0, 0), 0), ((0, 2), 2), ((2, 4), 4), ((4, 1), 1), ((1, 2, 4, 0), 1),
    ((3, 1), 3),
])
def test_combine_follows_the_documented_precedence(codes, expected):
    assert exitcodes.combine(codes) == expected


def _run(status: str) -> RunRecord:
    return RunRecord("scenario", "s.toml", "s", 1, status, None)  # type: ignore[arg-type]


def test_the_gate_precedence_and_allow_inconclusive():
    def code(*statuses: str, allow: bool = False, determinism=()) -> int:
        return GateReport(runs=[_run(s) for s in statuses], allow_inconclusive=allow,
                          determinism=list(determinism)).exit_code

    assert code("pass", "pass") == 0
    assert code("pass", "inconclusive") == 2
    assert code("pass", "inconclusive", allow=True) == 0
    assert code("inconclusive", "error") == 4
    assert code("inconclusive", "error", allow=True) == 4
    assert code("error", "fail", "inconclusive") == 1
    assert code("fail", "not_run") == 1
    same = [ProcessRun("1", 0, "a" * 64), ProcessRun("2", 0, "a" * 64)]
    crashed = DeterminismResult("s.toml", 1, crash="crashed: OSError: no fork")
    uncompared = DeterminismResult("s.toml", 1, [ProcessRun("1", 4, None, "internal error")])
    assert code("pass", determinism=[DeterminismResult("s.toml", 1, same)]) == 0
    assert code("pass", determinism=[crashed]) == 4
    assert code("inconclusive", determinism=[uncompared], allow=True) == 4


def test_allow_inconclusive_covers_only_liveness_that_could_not_be_judged():
    """A run that cannot vouch for safety (a forgery still pending at the end, an attack
    that never started) passed the gate under --allow-inconclusive."""
    from bridgelab.gate.lines import summary_line

    def report(reason: str) -> GateReport:
        run = _run("inconclusive")
        run.inconclusive = [reason]
        return GateReport(runs=[run], allow_inconclusive=True)

    liveness = report("liveness.deposits-minted is unknown: network.partition still active")
    assert liveness.exit_code == 0
    for reason in ("1 forged transaction(s) the adversary submitted were still pending",
                   "none of the scenario's 1 attack(s) started: the run tested none of them"):
        gate = report(reason)
        assert gate.exit_code == 2, reason
        assert "covers only liveness not judged" in summary_line(gate)
