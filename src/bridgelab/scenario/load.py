"""Load a scenario file: TOML only, validated against the schema, errors that name the key.

Input is parsed with `tomllib` (data only, nothing is ever executed) and checked by pydantic.
"""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bridgelab.exitcodes import EXIT_BAD_INPUT
from bridgelab.scenario.model import Scenario


class ScenarioError(Exception):
    """A scenario that cannot be used: which file, which key, what was expected and found."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, file: str, key: str, expected: str, found: str) -> None:
        self.file = file
        self.key = key
        self.expected = expected
        self.found = found
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: expected {self.expected}, found {self.found}"


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    return type(value).__name__


_EXPECTATIONS = {
    "missing": "this required key",
    "extra_forbidden": "no such key (it is not part of the schema)",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "an integer",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "a boolean",
    "bool_parsing": "a boolean",
    "string_type": "a string",
    "list_type": "a list",
    "tuple_type": "a list",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}


def _expected(error: dict[str, Any]) -> str:
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


def _key_path(error: dict[str, Any]) -> str:
    parts = [str(part) for part in error["loc"]]
    # Tagged unions insert the tag name ("fixed", "lognormal") into the location: drop it.
    tags = {"fixed", "uniform", "lognormal", "exponential"}
    parts = [part for part in parts if part not in tags]
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
        return repr(ctx.get("tag"))
    return _type_name(error.get("input"))


def parse_scenario(data: dict[str, Any], file: str = "<scenario>") -> Scenario:
    """Validate already-parsed TOML data; the first error becomes a `ScenarioError`."""
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        # Report the first error in a stable order so the message never depends on dict order.
        error = sorted(errors, key=lambda e: [str(p) for p in e["loc"]])[0]
        raise ScenarioError(
            file, _key_path(error), _expected(error), _found(error, error["type"])
        ) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise `ScenarioError` on any problem."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(name, "", "a readable scenario file", "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(name, "", "a scenario file", "a directory") from None
    except OSError as exc:
        raise ScenarioError(
            name, "", "a readable scenario file", exc.strerror or "an error"
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(name, "", "UTF-8 encoded TOML", "undecodable bytes") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(name, "", "valid TOML", f"a syntax error ({exc})") from None
    return parse_scenario(data, name)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated scenario, defaults filled in, in canonical JSON.

    `committee.signatures` is left out: it changes how signatures are represented, never what
    the model does (the same seed gives the same history apart from signature bytes), and the
    run's fingerprint records it as `crypto`.
    """
    data = scenario.model_dump(mode="json")
    del data["committee"]["signatures"]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def deep_merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """`overrides` merged into a copy of `base`: tables merge, everything else replaces."""
    merged = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
