"""Every path a command writes is checked as its flags are parsed: a directory where a file
goes, a file where a directory goes, or a path under a file is a usage error (exit 3) before
any work. A device such as /dev/null is written into, never replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from bridgelab import evidence
from bridgelab.cli import main
from bridgelab.outpaths import output_directory, output_file
from tests.cli.test_exit_codes import command_parsers
from tests.conftest import ATTACKS

SMALL = ATTACKS.parent / "tests" / "data" / "small.toml"
# The destinations of every option that names where a command writes.
WRITTEN = {"out", "json_out", "junit", "html", "histories", "csv", "parquet"}


def test_every_output_option_is_checked_when_parsed():
    options = [(" ".join(path), action.option_strings[0], action.type)
               for path, parser in command_parsers() for action in parser._actions
               if action.dest in WRITTEN and action.option_strings]
    assert len(options) >= 12, options
    unchecked = [(path, flag) for path, flag, kind in options
                 if kind not in (output_file, output_directory)]
    assert not unchecked, unchecked


@pytest.fixture
def places(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me\n")
    return {"DIR": str(tmp_path), "FILE": str(a_file), "UNDER": str(a_file / "x.json")}


@pytest.mark.parametrize(("argv", "flag", "expected"), [
    (["run", str(SMALL), "--out", "FILE"], "--out", "expected a directory, found a file"),
    (["run", str(SMALL), "--out", "UNDER"], "--out", "which is not a directory"),
    (["check", str(SMALL), "--out", "FILE"], "--out", "expected a directory, found a file"),
    (["check", str(SMALL), "--junit", "DIR"], "--junit",
     "expected a file to write, found a directory"),
    (["check", str(SMALL), "--json-out", "UNDER"], "--json-out", "which is not a directory"),
    (["report", str(SMALL), "--out", "FILE"], "--out", "expected a directory, found a file"),
    (["hunt", str(SMALL), "--budget-seconds", "0", "--out", "FILE"], "--out",
     "expected a directory, found a file"),
    (["campaign", str(SMALL), "--json-out", "DIR"], "--json-out",
     "expected a file to write, found a directory"),
    (["campaign", str(SMALL), "--histories", "FILE"], "--histories",
     "expected a directory, found a file"),
    (["show", str(SMALL), "--html", "DIR"], "--html", "expected a file to write"),
    (["schema", "--out", "UNDER"], "--out", "which is not a directory"),
    (["bench", "crypto", "--json-out", "DIR"], "--json-out", "expected a file to write"),
])
def test_a_path_that_cannot_take_the_output_is_a_usage_error(argv, flag, expected, places,
                                                              capsys):
    argv = [places.get(word, word) for word in argv]
    assert main(argv) == 3
    last = capsys.readouterr().err.splitlines()[-1]
    assert f"error: argument {flag}: expected " in last and expected in last, last
    assert Path(places["FILE"]).read_text() == "keep me\n"


def test_a_store_under_a_file_is_bad_input(places, capsys):
    campaign = ATTACKS.parent / "campaigns" / "throughput.toml"
    assert main(["campaign", str(campaign), "--max-runs", "1", "--store", places["UNDER"]]) == 3
    assert "expected a campaign store path, found" in capsys.readouterr().err


def test_a_fifo_is_written_into_not_replaced(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    evidence.atomic_write_text(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_keeps_pointing_at_the_file_it_names(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    evidence.atomic_write_text(link, "new\n")
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_text() == "new\n"


def test_a_default_output_path_is_checked_too(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bridgelab-check").write_text("not the gate's folder\n")
    assert main(["check", str(SMALL)]) == 3
    assert capsys.readouterr().err.splitlines()[-1].endswith(
        "argument --out: expected a directory, found a file: bridgelab-check")


@pytest.mark.parametrize("argv", [["run", str(SMALL)],
                                  ["hunt", str(SMALL), "--budget-seconds", "0", "--no-persist"]])
def test_a_default_folder_under_runs_is_checked_when_built(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").write_text("not a folder\n")
    assert main(argv) == 3
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("error: runs/") and last.endswith(
        f"expected a directory for the output (the default; --out names another), found"
        f" {tmp_path / 'runs'} in its path, which is not a directory"), last
