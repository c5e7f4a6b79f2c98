"""Load a scenario file: TOML only, validated against the schema, errors that name the key.

Input is read by `scenario.reader` (bounded, parsed with `tomllib`: data only, nothing is
ever executed) and checked by pydantic; every error becomes one `ScenarioError` line.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bridgelab.scenario.base import Strict
from bridgelab.scenario.display import show
from bridgelab.scenario.errors import ScenarioError
from bridgelab.scenario.model import Scenario
from bridgelab.scenario.reader import read_toml
from bridgelab.scenario.suggest import suggestion

__all__ = ["ScenarioError", "deep_merge", "load_scenario", "parse_scenario", "scenario_hash"]


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"the integer {show(value)}"
    if isinstance(value, float):
        return f"the number {show(value)}"
    if isinstance(value, str):
        return f"the string {show(value)}"
    shown = show(value)
    if isinstance(value, list | tuple | dict) and not shown.startswith("a "):
        return f"the {'table' if isinstance(value, dict) else 'list'} {shown}"
    return shown


_EXPECTATIONS = {
    "missing": "this required key",
    "extra_forbidden": "no such key",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number (not nan or inf)",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}


def expected_of(error: dict[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "bridgelab_invalid":
        return str(ctx["expected"])
    if kind in _EXPECTATIONS:
        return _EXPECTATIONS[kind]
    bounds = {
        "greater_than": "a value > {gt}",
        "greater_than_equal": "a value >= {ge}",
        "less_than": "a value < {lt}",
        "less_than_equal": "a value <= {le}",
        "string_too_short": "a string of at least {min_length} characters",
        "string_too_long": "a string of at most {max_length} characters",
        "too_short": "at least {min_length} items",
        "too_long": "at most {max_length} items",
    }
    if kind in bounds:
        return bounds[kind].format(**ctx)
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}"
    tag = str(ctx.get("discriminator", "dist")).strip("'")
    if kind == "union_tag_invalid":
        return f"'{tag}' to be one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return f"a '{tag}' key"
    return str(error.get("msg", kind))


# Unions insert a label for the member that failed into the location: a tag ("fixed"), a
# schema ("list[int]", "literal['all']", "function-wrap[check()]"), a type or a model name.
_TAGS = frozenset({"fixed", "uniform", "lognormal", "exponential"})
_TYPES = frozenset({"int", "float", "str", "bool", "list", "dict", "tuple", "none"})
_SCHEMA_LABEL = re.compile(r"^[a-z][a-z0-9_-]*\[.*\]$", re.DOTALL)


def _union_label(part: object) -> bool:
    if not isinstance(part, str):
        return False  # a list index
    return (
        part in _TAGS or part in _TYPES or _SCHEMA_LABEL.match(part) is not None
        or part in _model_names()
    )


@functools.cache
def _model_names() -> frozenset[str]:
    names: set[str] = set()
    pending: list[type] = [Strict]
    while pending:
        model = pending.pop()
        names.add(model.__name__)
        pending.extend(model.__subclasses__())
    return frozenset(names)


def _key_path(error: dict[str, Any]) -> str:
    loc = list(error["loc"])
    # The last part of an unknown key is the user's own key, whatever it looks like.
    last = [loc.pop()] if error["type"] == "extra_forbidden" and loc else []
    parts = [str(part) for part in loc if not _union_label(part)] + [str(p) for p in last]
    ctx = error.get("ctx") or {}
    if error["type"] == "bridgelab_invalid" and ctx.get("key"):
        parts.append(str(ctx["key"]))
    return ".".join(parts)


def _found(error: dict[str, Any], kind: str) -> str:
    ctx = error.get("ctx") or {}
    if kind == "bridgelab_invalid":
        return str(ctx["found"])
    if kind == "missing":
        return "nothing"
    if kind == "extra_forbidden":
        return "an unknown key"
    if kind == "union_tag_invalid":
        return show(ctx.get("tag"))
    return _type_name(error.get("input"))


def parse_scenario(data: dict[str, Any], file: str = "<scenario>") -> Scenario:
    """Validate already-parsed TOML data; the first error becomes a `ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # Report the first error in a stable order so the message never depends on dict order.
        error = sorted(errors, key=lambda e: [str(p) for p in e["loc"]])[0]
        expected = expected_of(error) + suggestion(Scenario, error)
        found = _found(error, error["type"])
        raise ScenarioError(file, _key_path(error), expected, found) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise `ScenarioError` on any problem."""
    return parse_scenario(read_toml(path, "scenario file"), str(path))


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario, defaults filled in, in canonical JSON.

    `committee.signatures` is left out: it changes how signatures are represented, never what
    the model does (the same seed gives the same history apart from signature bytes), and the
    run's fingerprint records it as `crypto`. `settlement.evm_engine` is left out too: the
    EVM engines give the same outcomes, gas and storage (tests/evm/test_evm_engines.py),
    hence the same history.
    """
    data = scenario.model_dump(mode="json")
    del data["committee"]["signatures"]
    del data["settlement"]["evm_engine"]
    _omit_new_defaults(data)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# Keys added after scenarios were first shipped, left out of the hash while they hold their
# default: a scenario that does not use them keeps the identity (and history) it had.
NEW_DEFAULTS: dict[str, dict[str, Any]] = {
    "entities": {"organisation": None, "provider": "unspecified", "validators": [],
                 "relayers": []},
    "attacks.targets": {"jurisdiction": None, "organisation": None, "provider": None,
                        "storage": None},
    "": {"attribute_costs": []},
    "bridge.verifier": {"escrow_threshold_override": None},
    "scenario": {"incident": False},
}


def _omit_new_defaults(data: dict[str, Any]) -> None:
    for key, default in NEW_DEFAULTS[""].items():
        if data.get(key) == default:
            data.pop(key, None)
    for section in ("bridge.verifier", "scenario"):
        table = data
        for part in section.split("."):
            table = table[part]
        for key, default in NEW_DEFAULTS[section].items():
            if table.get(key, default) == default:
                table.pop(key, None)
    tables = [*data.get("entities", [])]
    targets = [attack["targets"] for attack in data.get("attacks", [])]
    for table, defaults in [(t, NEW_DEFAULTS["entities"]) for t in tables] + [
        (t, NEW_DEFAULTS["attacks.targets"]) for t in targets
    ]:
        for key, default in defaults.items():
            if key in table and table[key] == default:
                del table[key]


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`overrides` merged into a copy of `base`: tables merge, everything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
