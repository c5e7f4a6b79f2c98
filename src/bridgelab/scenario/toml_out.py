"""Validated scenario data written back as TOML: the files `hunt` and `report` write, and each
run's own `scenario.toml`. The output reads back (with `tomllib`) to the same data, so a
scenario written here has the hash of the one it was written from; strings are ASCII, with
code-point escapes, so the file never depends on an encoding.
"""

from __future__ import annotations

import re
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\"}


def _toml_string(value: str) -> str:
    """A TOML basic string in ASCII: quotes and backslashes escaped, control and non-ASCII
    characters as \\u or \\U escapes of their code point (never JSON's surrogate pairs)."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'
    out = []
    for char in value:
        code = ord(char)
        if char in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[char])
        elif 0x20 <= code < 0x7F:
            out.append(char)
        else:
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(
            f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_table(name: str, data: dict[str, Any], array: bool = False) -> list[str]:
    """A table; nested tables become dotted sub-tables so the file stays readable."""
    lines = [f"[[{name}]]" if array else f"[{name}]"]
    nested: list[tuple[str, dict[str, Any]]] = []
    arrays: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in data.items():
        if value is None:
            continue
        if isinstance(value, dict) and not array:
            nested.append((key, value))
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value) \
                and not array:
            arrays.append((key, value))
        else:
            lines.append(f"{_toml_key(key)} = {_toml_value(value)}")
    for key, value in nested:
        lines += ["", *_toml_table(f"{name}.{_toml_key(key)}", value)]
    for key, items in arrays:
        for item in items:
            lines += ["", *_toml_table(f"{name}.{_toml_key(key)}", item, array=True)]
    return lines


def scenario_toml(data: dict[str, Any], header: str) -> str:
    """Write validated scenario data back as TOML (every default spelt out)."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for key, value in data.items():
        if isinstance(value, dict):
            lines += ["", *_toml_table(_toml_key(key), value)]
        elif isinstance(value, list):
            for item in value:
                lines += ["", *_toml_table(_toml_key(key), item, array=True)]
    return "\n".join(lines) + "\n"
