"""`bridgelab init [DIR]`: a starter project from the examples shipped inside the package.

A new user has the wheel and nothing else: no scenario to validate, no campaign to run. The
package carries the baseline, one scenario per attack family, the incident reproductions, a
small campaign, a pytest file with a property of one's own and a CI workflow; `init` copies
them into DIR with the JSON Schemas the example files name on their first line.

DIR must be new or empty (a starter dropped over someone's files would mix the two); with
`--force` the starter's files are written over whatever has their names, and nothing else in
DIR is touched.
"""

from __future__ import annotations

import argparse
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path, PurePosixPath

from bridgelab import __version__, output
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS

COMMAND = "init"
NAMES = (COMMAND,)  # the command-module interface of the command line
# Package data cannot hold a dot-folder reliably (build tools skip hidden paths), so the
# packaged `github/` becomes the project's `.github/`.
RENAMES = {"github": ".github"}
# More files than the starter has would mean a packaging mistake: stop, do not copy a tree.
MAX_FILES = 200
SCHEMA_DIR = "schema"


def packaged_files() -> list[tuple[PurePosixPath, Traversable]]:
    """Every starter file: (its path in the new project, the packaged file), sorted."""
    root = files("bridgelab.starter") / "files"
    found: list[tuple[PurePosixPath, Traversable]] = []
    pending: list[tuple[PurePosixPath, Traversable]] = [(PurePosixPath(), root)]
    while pending:
        prefix, folder = pending.pop()
        for entry in folder.iterdir():
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            name = RENAMES.get(entry.name, entry.name) if not prefix.parts else entry.name
            if entry.is_dir():
                pending.append((prefix / name, entry))
            else:
                found.append((prefix / name, entry))
            assert len(found) <= MAX_FILES, "the packaged starter has too many files"
    return sorted(found, key=lambda item: str(item[0]))


def add_parser(commands: argparse._SubParsersAction) -> None:
    init = commands.add_parser(
        COMMAND,
        help="create a starter project: scenarios, incidents, a campaign, tests, CI",
        description="Create a starter project in DIR (default: the current directory): the"
        " baseline, one scenario per attack family, the real incidents, a small campaign, a"
        " pytest file with a property of your own, a GitHub Actions workflow, and the JSON"
        " Schemas the files name for editors. DIR must be new or empty unless --force.",
        epilog="example:\n  bridgelab init my-bridge && cd my-bridge\n"
        "  bridgelab run attacks/baseline.toml --seed 1 --out runs/baseline",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # A plain string, not a Path: DIR is where output goes, not an input that must exist.
    init.add_argument("dir", nargs="?", default=".", metavar="DIR",
                      help="the project folder, new or empty (default: .)")
    init.add_argument("--force", action="store_true",
                      help="write into a non-empty DIR, replacing files with the starter's names")
    output.add_json_flag(init, "the folder and the files written")


def _refusal(target: Path, force: bool) -> str | None:
    """Why `target` cannot take a starter, or None when it can."""
    if target.exists() and not target.is_dir():
        return f"{target}: expected a folder (new or empty), found a file"
    if target.is_dir() and not force and any(target.iterdir()):
        return (f"{target}: expected a new or empty folder (or --force to write the starter's"
                " files into it), found a folder with files")
    return None


def create(target: Path, force: bool = False) -> list[Path]:
    """Write the starter into `target`; the files written. Raises ValueError if refused."""
    problem = _refusal(target, force)
    if problem is not None:
        raise ValueError(problem)
    written: list[Path] = []
    for relative, source in packaged_files():
        path = target.joinpath(*relative.parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()  # --force: never write through a link into someone else's file
        data = source.read_bytes()
        if relative.parts[0] == ".github":  # the workflow installs this very version
            data = data.replace(b"__VERSION__", __version__.encode())
        path.write_bytes(data)
        written.append(path)
    from bridgelab import schema_json

    written += schema_json.write(target / SCHEMA_DIR)
    return written


def run(args: argparse.Namespace) -> int:
    target = Path(args.dir)
    try:
        written = create(target, args.force)
    except ValueError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"error: {target}: expected a writable folder, found {error.strerror}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    names = [path.relative_to(target).as_posix() for path in written]
    if output.wants_json(args):
        output.print_json({"dir": str(target), "files": names})
    say = output.human(args)
    for name in names:
        say(name)
    if not output.quiet(args):
        cd = "" if args.dir == "." else f"cd {args.dir} && "
        print(f"\n{len(written)} files. Next:\n  {cd}bridgelab validate attacks/baseline.toml\n"
              "  bridgelab run attacks/baseline.toml --seed 1 --out runs/baseline\n"
              "  bridgelab show runs/baseline", file=sys.stderr)
    return EXIT_PASS


def command(args: argparse.Namespace, err: object) -> int:
    """The command line's entry (`err`, its stderr console, is not needed here)."""
    return run(args)
