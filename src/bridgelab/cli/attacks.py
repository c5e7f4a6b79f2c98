"""`bridgelab attacks`: the attack catalogue, listed or one attack shown in full."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from bridgelab import output
from bridgelab.cli.common import Subcommands, add_command
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS
from bridgelab.textsafe import printable

if TYPE_CHECKING:
    from rich.console import Console

NAMES = ("attacks",)


def add_parser(commands: Subcommands) -> None:
    attacks = add_command(
        commands, "attacks",
        help="the attack catalogue: list every attack, or show one in full",
        description="Every attack a scenario can name in [[attacks]] kind = ...",
        epilog="examples:\n  bridgelab attacks list\n  bridgelab attacks show key.compromise",
    )
    actions = attacks.add_subparsers(dest="attacks_command", metavar="ACTION")
    output.add_json_flag(attacks, "the catalogue")
    listing = actions.add_parser("list", help="one line per attack, with its parameters")
    output.add_json_flag(listing, "the catalogue")
    show = actions.add_parser("show", help="full description and an example block")
    show.add_argument("name", help="an attack kind, e.g. key.compromise")
    output.add_json_flag(show, "the attack")


def command(args: argparse.Namespace, err: Console) -> int:
    console = output.console(quiet=output.quiet(args), minimum=120)
    if args.attacks_command in (None, "list"):
        return _list(console, output.wants_json(args))
    return _show(console, args.name, output.wants_json(args))


def _params(params: type) -> dict[str, Any]:
    """The attack's parameters and their defaults, as JSON values."""
    return {name: field.get_default(call_default_factory=True)
            for name, field in params.model_fields.items()}


def _as_json(kind: str, info: Any, full: bool) -> dict[str, Any]:
    from bridgelab.nemesis.registry import RUNTIME

    data: dict[str, Any] = {"kind": kind, "summary": info.summary, "flaw": info.flaw,
                            "runtime": kind in RUNTIME, "parameters": _params(info.params)}
    if full:
        data.update(description=info.description, targets=info.target_role,
                    real_signatures=bool(info.real_signatures), example=info.example)
    return data


def _param_summary(params: type) -> str:
    parts = []
    for name, field in params.model_fields.items():
        default = field.get_default(call_default_factory=True)
        parts.append(f"{name}={default!r}")
    return ", ".join(parts) or "—"


def _list(console: Console, as_json: bool) -> int:
    from rich.table import Table

    from bridgelab.nemesis.registry import RUNTIME
    from bridgelab.nemesis.specs import CATALOG

    if as_json:
        output.print_json([_as_json(kind, info, False) for kind, info in CATALOG.items()])
        return EXIT_PASS
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


def _show(console: Console, name: str, as_json: bool) -> int:
    from bridgelab.nemesis.specs import CATALOG

    info = CATALOG.get(name)
    if info is None:
        print(
            f"error: attacks show: expected one of {', '.join(CATALOG)}, found"
            f" {printable(repr(name), 100)}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if as_json:
        output.print_json(_as_json(name, info, True))
        return EXIT_PASS
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
    if not console.quiet:
        print(info.example)  # TOML as is: never wrapped
    return EXIT_PASS
