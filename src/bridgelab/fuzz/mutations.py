"""Hypothesis strategies that mutate a shipped scenario or campaign structurally.

A mutation picks a place in the file's data (a key of any table, an item of any list) and
drops it, replaces it with a hostile value (another type; a huge, tiny, negative, zero,
NaN or infinite number; unicode, control and bidirectional-override characters; a long
list), scales it, nests it deep, duplicates it under another key, or adds a key beside it.
Then the data is written as TOML (`toml_text`) and, sometimes, the text is mutated too (a
line repeated, so a key is declared twice; the file cut short).
"""

from __future__ import annotations

import copy
import datetime
import math
import tomllib
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from bridgelab.fuzz.corpus import Seed
from bridgelab.fuzz.extremes import pushed, with_attack
from bridgelab.fuzz.toml_text import Nested, document

Place = tuple[str | int, ...]

NUMBERS = (
    0, -1, 1, 2, 3, 7, 1_000, -1_000_000, 2**31, 2**53 + 1, 2**63, 2**64, 2**128, 2**200,
    -(2**64), 10**30, 0.0, -0.0, 0.5, -0.5, 1e-300, 5e-324, 1e-9, 5e-7, 1e-6, 1e-3, 1e6,
    1e9, 1e12, 3.2e7, 1e300, 1.7976931348623157e308, math.nan, math.inf, -math.inf,
)
HOSTILE_TEXT = (
    "", " ", "a\nb", "line\r\nbreak", "nul\x00here", "\x1b[31mred\x1b[0m", "tab\there",
    "rl\u202eo", "\u2066isolate\u2069", "\u2028sep", "\ufeffbom", "\x7f\x85\x9b", "../../x",
    "/etc/passwd", "..", "a.b.c", "a:b", "é€😀", "x" * 300, "y" * 10_000,
)
KEY_NAMES = ("a\nb", "\u202e", "", "k" * 500, "a.b", "nul\x00", "extra", "tab\tkey")
CONTROL = st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co"])


def data_of(seed: Seed) -> dict[str, Any]:
    """The seed's data, with a campaign's relative `base` made absolute (the mutated file
    is written elsewhere, and must still find its base scenario)."""
    data = tomllib.loads(seed.text)
    campaign = data.get("campaign")
    if isinstance(campaign, dict) and isinstance(campaign.get("base"), str):
        campaign["base"] = str((seed.path.parent / campaign["base"]).resolve())
    return data


def places(data: Any) -> list[Place]:
    """Every key and list item of `data`, as paths from the root, in document order."""
    found: list[Place] = []
    stack: list[tuple[Place, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        children: list[tuple[str | int, Any]] = []
        if isinstance(node, dict):
            children = list(node.items())
        elif isinstance(node, list):
            children = list(enumerate(node))
        for key, child in reversed(children):
            found.append((*path, key))
            stack.append(((*path, key), child))
    return found


def _parent(data: Any, path: Place) -> Any:
    node = data
    for key in path[:-1]:
        node = node[key]
    return node


def hostile_values(current: Any = None) -> st.SearchStrategy[Any]:
    """A value that may break a loader: of any type, at any extreme."""
    numbers = st.sampled_from(NUMBERS) | st.floats() | st.integers()
    texts = st.sampled_from(HOSTILE_TEXT) | st.text(max_size=40) | st.text(CONTROL, max_size=8)
    others = st.sampled_from([
        True, False, [], {}, {"unknown": 1}, [1, "two", 3.0], datetime.date(2024, 2, 29),
        datetime.datetime(1979, 5, 27, 7, 32), [[[]]], [{}],
    ])
    strategies = [numbers, texts, others]
    if isinstance(current, int | float) and not isinstance(current, bool):
        strategies.append(st.sampled_from([1_000, 1e6, 1e-3, -1, 0.999, 1.001]).map(
            lambda factor: _scaled(current, factor)
        ))
    return st.one_of(*strategies)


def _scaled(current: int | float, factor: float) -> int | float:
    result = current * factor
    if isinstance(current, int) and result == int(result):
        return int(result)
    return result


@st.composite
def mutate(draw: st.DrawFn, data: dict[str, Any]) -> dict[str, Any]:
    """`data` with one structural mutation (a copy; `data` is left as it was)."""
    data = copy.deepcopy(data)
    targets = places(data)
    if not targets:
        data[draw(st.sampled_from(KEY_NAMES))] = draw(hostile_values())
        return data
    path = draw(st.sampled_from(targets))
    parent, key = _parent(data, path), path[-1]
    current = parent[key]
    operation = draw(st.sampled_from(
        ("drop", "set", "set", "set", "nest", "long", "duplicate", "add", "hoist")
    ))
    if operation == "drop":
        del parent[key]
    elif operation == "set":
        parent[key] = draw(hostile_values(current))
    elif operation == "nest":
        depth = draw(st.sampled_from((2, 31, 33, 100, 1_000, 5_000)))
        parent[key] = Nested(current, depth, draw(st.booleans()))
    elif operation == "long":  # of a scalar: copies of a table would grow without bound
        size = draw(st.sampled_from((100, 1_001, 10_000)))
        parent[key] = [0 if isinstance(current, dict | list | Nested) else current] * size
    elif operation == "duplicate" and isinstance(parent, dict):
        names = [str(p[-1]) for p in targets if isinstance(p[-1], str)]
        parent[draw(st.sampled_from(names))] = copy.deepcopy(current)
    elif operation == "add":
        holder = current if isinstance(current, dict) else parent
        if isinstance(holder, dict):
            holder[draw(st.sampled_from(KEY_NAMES) | st.text(max_size=12))] = draw(
                hostile_values()
            )
        else:
            holder.append(draw(hostile_values()))
    elif operation == "hoist":  # a subtree moved to the top level, under its own name
        data[str(key)] = copy.deepcopy(current)
    return data


@st.composite
def mutate_text(draw: st.DrawFn, text: str) -> str:
    """The TOML text with a line repeated (a key declared twice) or the file cut short."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return text
    operation = draw(st.sampled_from(("repeat", "cut", "none", "none")))
    if operation == "repeat":
        index = draw(st.integers(0, len(lines) - 1))
        lines.insert(index, lines[index])
        return "".join(lines)
    if operation == "cut":
        return text[: draw(st.integers(0, len(text)))]
    return text


@st.composite
def extreme(draw: st.DrawFn, seeds: Sequence[Seed], most: int = 3) -> tuple[str, bytes]:
    """("scenario", TOML bytes): a shipped scenario with 1..`most` fields at the edges of
    what the schema allows (`extremes`): mostly valid, often extreme."""
    seed = draw(st.sampled_from([seed for seed in seeds if seed.kind == "scenario"]))
    data = draw(pushed(data_of(seed), most))
    if draw(st.booleans()):
        data = draw(with_attack(data))
    return "scenario", document(data).encode()


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[Seed], most: int = 4) -> tuple[str, bytes]:
    """(kind, TOML bytes): a shipped file with 1..`most` mutations."""
    seed = draw(st.sampled_from(seeds))
    data = data_of(seed)
    for _ in range(draw(st.integers(1, most))):
        data = draw(mutate(data))
    text = document(data)
    if draw(st.integers(0, 4)) == 0:
        text = draw(mutate_text(text))
    return seed.kind, text.encode("utf-8", "surrogatepass")
