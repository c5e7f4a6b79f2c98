"""`bridgelab schema`: the JSON Schema of scenario and campaign files, for editors and tools.

The schema is generated from the same pydantic models that validate the files, so it cannot
drift from what `bridgelab validate` accepts. Every field carries a description (what it is,
its unit and bounds and why), its unit where it has one, and its default where it has one:
a TOML language server (taplo, Even Better TOML) shows them while a key is typed, once the
file's first line names the schema:

    #:schema ../schema/scenario.schema.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bridgelab import __version__
from bridgelab.exitcodes import EXIT_BAD_INPUT, EXIT_PASS
from bridgelab.outpaths import output_file

SCENARIO_FILE = "scenario.schema.json"
CAMPAIGN_FILE = "campaign.schema.json"
COMMAND = "schema"
NAMES = (COMMAND,)  # the command-module interface of the command line
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (`bridgelab validate` accepts what it describes)."""
    from bridgelab.scenario.model import Scenario

    return _finish(Scenario.model_json_schema(), "bridgelab scenario",
                   "A bridgelab scenario: the modelled bridge, its workload and its attacks.")


def campaign_schema() -> dict[str, Any]:
    """The JSON Schema of a campaign file."""
    from bridgelab.campaign.schema import CampaignFile

    return _finish(CampaignFile.model_json_schema(), "bridgelab campaign",
                   "A bridgelab campaign: a base scenario, a sweep, attack arms and seeds.")


def _finish(schema: dict[str, Any], title: str, description: str) -> dict[str, Any]:
    schema = {"$schema": DRAFT, **schema}
    for _, prop in fields(schema):
        _hoist(prop, schema.get("$defs", {}))
    schema["title"] = title
    schema["description"] = f"{description} (bridgelab {__version__})"
    return schema


def _hoist(prop: dict[str, Any], defs: dict[str, Any]) -> None:
    """Give a property the description (and unit) of what it holds when it has none itself:
    an optional quantity (`X | None`) keeps them on its non-null member, a section on its
    model. Editors show the property's own description, so it must be there."""
    members = [prop, *prop.get("anyOf", []), *prop.get("allOf", [])]
    for member in members:
        ref = member.get("$ref", "")
        target = defs.get(ref.rsplit("/", 1)[-1], {}) if ref.startswith("#/$defs/") else member
        for key in ("description", "unit"):
            if key not in prop and target.get(key):
                prop[key] = target[key]


def fields(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of every object of `schema`, as ("Model.key", its schema)."""
    models = {"": schema, **schema.get("$defs", {})}
    for model_name in sorted(models):
        properties = models[model_name].get("properties", {})
        for key in sorted(properties):
            yield f"{model_name or schema.get('title', 'root')}.{key}", properties[key]


def undescribed(schema: dict[str, Any]) -> list[str]:
    """The properties that have no description (each should say what it is)."""
    return [name for name, prop in fields(schema) if not prop.get("description")]


def add_parser(commands: argparse._SubParsersAction) -> None:
    schema = commands.add_parser(
        COMMAND,
        help="print the JSON Schema of scenario (or campaign) files, for editors",
        description="Print the JSON Schema of scenario files (--campaign: campaign files):"
        " every key with its description, unit, bounds and default. Name it on a file's"
        " first line (`#:schema ../schema/scenario.schema.json`) and a TOML language server"
        " (taplo, Even Better TOML) completes and explains keys.",
        epilog="examples:\n  bridgelab schema --out schema/scenario.schema.json\n"
        "  bridgelab schema --campaign --out schema/campaign.schema.json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schema.add_argument("--campaign", action="store_true", help="campaign files instead")
    schema.add_argument("--out", type=output_file, default=None, metavar="FILE",
                        help="write the schema to FILE (default: print it)")
    # The schema is JSON already: --json only changes what --out prints.
    schema.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print the schema as JSON on stdout, nothing else (the default);"
                        " with --out, print {\"out\": FILE} instead")


def render(campaign: bool) -> str:
    """The schema as stable, indented JSON text (what `--out` writes)."""
    schema = campaign_schema() if campaign else scenario_schema()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(directory: Path) -> list[Path]:
    """Both schemas into `directory` (made if missing); the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, campaign in ((SCENARIO_FILE, False), (CAMPAIGN_FILE, True)):
        path = directory / name
        path.write_text(render(campaign), encoding="utf-8")
        written.append(path)
    return written


def run(args: argparse.Namespace) -> int:
    text = render(args.campaign)
    if args.out is None:
        sys.stdout.write(text)
        return EXIT_PASS
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    except OSError as error:
        print(f"error: {args.out}: expected a writable file, found {error.strerror}",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if getattr(args, "json", False):
        sys.stdout.write(json.dumps({"out": str(args.out)}) + "\n")
    return EXIT_PASS


def command(args: argparse.Namespace, err: object) -> int:
    """The command line's entry (`err`, its stderr console, is not needed here)."""
    return run(args)
