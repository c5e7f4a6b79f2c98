"""The closest valid key for an unknown one: `deposit` -> "did you mean 'deposits'?".

An unknown key is refused (a typo must not fall back to a default), and the refusal is far
more useful with the key the user meant. The valid keys are those of the model at the
error's location, found by walking the schema's models along the location (list indices
and union labels pass through); when the walk cannot place the location, no suggestion is
made rather than a wrong one.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any

from pydantic import BaseModel

# How alike a key must be to be suggested (difflib's ratio): a typo, not another word.
CUTOFF = 0.6
# Nested generics are shallow in these schemas; a bound keeps the walk finite regardless.
MAX_DEPTH = 12


def _models(annotation: Any, depth: int = 0) -> list[type[BaseModel]]:
    """The models an annotation can hold (through Annotated, unions, lists, dict values)."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _models(args[0], depth + 1)
    if origin is dict:
        args = args[1:]
    if origin in (typing.Union, types.UnionType, list, tuple, dict, typing.Literal) or args:
        if origin is typing.Literal:
            return []
        found: list[type[BaseModel]] = []
        for arg in args:
            found += [m for m in _models(arg, depth + 1) if m not in found]
        return found
    return []


def valid_keys(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model at `loc` (the table holding the unknown key) accepts."""
    current = [root]
    for part in loc:
        if isinstance(part, int):
            continue  # a list index: the same models
        names = {model.__name__ for model in current}
        if part in names:
            current = [model for model in current if model.__name__ == part]
            continue
        nxt: list[type[BaseModel]] = []
        for model in current:
            field = model.model_fields.get(str(part))
            if field is not None:
                nxt += [m for m in _models(field.annotation) if m not in nxt]
        if not nxt:
            # A union's tag label ("lognormal") selects the member whose `dist` is it.
            tagged = [m for m in current if _tag(m) == part]
            if not tagged:
                return []
            nxt = tagged
        current = nxt
    keys: list[str] = []
    for model in current:
        keys += [key for key in model.model_fields if key not in keys]
    return keys


def _tag(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("dist")
    if field is None:
        return None
    args = typing.get_args(field.annotation)
    return str(args[0]) if args else None


def suggestion(root: type[BaseModel], error: dict[str, Any]) -> str:
    """" (did you mean 'KEY'?)" for an unknown-key error with a close valid key, else ""."""
    if error.get("type") != "extra_forbidden" or not error.get("loc"):
        return ""
    *where, unknown = error["loc"]
    if not isinstance(unknown, str):
        return ""
    close = difflib.get_close_matches(unknown, valid_keys(root, tuple(where)), n=1,
                                      cutoff=CUTOFF)
    return f" (did you mean '{close[0]}'?)" if close else ""
