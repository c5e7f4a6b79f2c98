"""The published JSON Schema of report.json (`report.schema.json`, shipped in the package)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def errors(report: dict[str, Any]) -> list[str]:
    """Every way `report` departs from the schema, as `path: message` lines (empty: valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(schema())
    found = sorted(validator.iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]


def validate(report: dict[str, Any]) -> None:
    """Raise ValueError naming the first problems if `report` does not match the schema."""
    problems = errors(report)
    if problems:
        raise ValueError("report.json does not match report.schema.json:\n  "
                         + "\n  ".join(problems[:10]))
