"""`bridgelab attacks`: the attack catalogue, listed or one attack shown in full."""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.table import Table

from bridgelab.cli.common import Subcommands, add_command
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS
from bridgelab.textsafe import printable

NAMES = ("attacks",)


def add_parser(commands: Subcommands) -> None:
    attacks = add_command(
        commands, "attacks",
        help="the attack catalogue: list every attack, or show one in full",
        description="Every attack a scenario can name in [[attacks]] kind = ...",
        epilog="examples:\n  bridgelab attacks list\n  bridgelab attacks show key.compromise",
    )
    actions = attacks.add_subparsers(dest="attacks_command", metavar="ACTION")
    actions.add_parser("list", help="one line per attack, with its parameters")
    show = actions.add_parser("show", help="full description and an example block")
    show.add_argument("name", help="an attack kind, e.g. key.compromise")


def command(args: argparse.Namespace, err: Console) -> int:
    console = Console(width=max(120, Console().width))
    if args.attacks_command in (None, "list"):
        return _list(console)
    return _show(console, args.name)


def _param_summary(params: type) -> str:
    parts = []
    for name, field in params.model_fields.items():
        default = field.get_default(call_default_factory=True)
        parts.append(f"{name}={default!r}")
    return ", ".join(parts) or "—"


def _list(console: Console) -> int:
    from bridgelab.nemesis.registry import RUNTIME
    from bridgelab.nemesis.specs import CATALOG

    table = Table(title="attack catalogue (bridgelab attacks show KIND for details)")
    table.add_column("kind", no_wrap=True)
    table.add_column("what it does")
    table.add_column("parameters (defaults)")
    for kind, info in CATALOG.items():
        note = "" if kind in RUNTIME else " [dim](runtime pending)[/]"
        flaw = f" [yellow]needs flaw {info.flaw}[/]" if info.flaw else ""
        table.add_row(kind, info.summary + flaw + note, _param_summary(info.params))
    console.print(table)
    return EXIT_PASS


def _show(console: Console, name: str) -> int:
    from bridgelab.nemesis.specs import CATALOG

    info = CATALOG.get(name)
    if info is None:
        print(
            f"error: attacks show: expected one of {', '.join(CATALOG)}, found"
            f" {printable(repr(name), 100)}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    console.print(f"[bold]{info.kind}[/] — {info.summary}", highlight=False)
    console.print(info.description, highlight=False)
    console.print(f"targets: {info.target_role}", highlight=False)
    if info.flaw:
        console.print(f"needs: [bridge] flaws = [\"{info.flaw}\"]", highlight=False)
    if info.real_signatures:
        console.print("needs: [committee] signatures = \"real\" (not symbolic)",
                      highlight=False)
    console.print(f"parameters: {_param_summary(info.params)}", highlight=False)
    console.print("example:", highlight=False)
    print(info.example)
    return EXIT_PASS
