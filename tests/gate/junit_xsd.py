"""The common JUnit XML schema (Jenkins' junit-4.xsd), encoded as rules, checked offline.

Each element: the attributes it may have, those it must have, and its children as an ordered
sequence of (name, fewest, most) — xs:sequence semantics. Text-only elements have no children.
The strictest schema CI servers apply: no `properties` or `file` on a test case, no `skipped`
on `testsuites`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

UNBOUNDED = 10**9


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    required: frozenset[str] = frozenset()
    children: tuple[tuple[str, int, int], ...] = ()


TEXT = Rule(frozenset({"message", "type"}))
RULES = {
    "testsuites": Rule(frozenset({"name", "time", "tests", "failures", "disabled", "errors"}),
                       children=(("testsuite", 0, UNBOUNDED),)),
    "testsuite": Rule(
        frozenset({"name", "tests", "failures", "errors", "time", "disabled", "skipped",
                   "timestamp", "hostname", "id", "package"}),
        frozenset({"name", "tests"}),
        (("properties", 0, 1), ("testcase", 0, UNBOUNDED), ("system-out", 0, 1),
         ("system-err", 0, 1)),
    ),
    "properties": Rule(frozenset(), children=(("property", 1, UNBOUNDED),)),
    "property": Rule(frozenset({"name", "value"}), frozenset({"name", "value"})),
    "testcase": Rule(
        frozenset({"name", "assertions", "time", "classname", "status"}), frozenset({"name"}),
        (("skipped", 0, 1), ("error", 0, UNBOUNDED), ("failure", 0, UNBOUNDED),
         ("system-out", 0, UNBOUNDED), ("system-err", 0, UNBOUNDED)),
    ),
    "skipped": Rule(frozenset({"message"})),
    "error": TEXT,
    "failure": TEXT,
    "system-out": Rule(frozenset()),
    "system-err": Rule(frozenset()),
}
NUMBERS = ("tests", "failures", "errors", "skipped", "disabled")


def problems(root: ET.Element) -> list[str]:
    """Every way `root`'s tree breaks the rules (empty: valid)."""
    found: list[str] = []
    if root.tag != "testsuites" and root.tag != "testsuite":
        return [f"root <{root.tag}>: expected <testsuites> or <testsuite>"]
    pending = [root]
    while pending:
        element = pending.pop()
        rule = RULES.get(element.tag)
        if rule is None:
            found.append(f"<{element.tag}>: not an element of the schema")
            continue
        for name in sorted(set(element.attrib) - rule.allowed):
            found.append(f"<{element.tag}> attribute {name}: not allowed")
        for name in sorted(rule.required - set(element.attrib)):
            found.append(f"<{element.tag}> attribute {name}: required")
        for name in NUMBERS:
            if name in element.attrib and not element.attrib[name].isdigit():
                found.append(f"<{element.tag}> {name}={element.attrib[name]!r}: not a count")
        found += _sequence(element, rule)
        pending.extend(element)
    return found


def _sequence(element: ET.Element, rule: Rule) -> list[str]:
    children = [child.tag for child in element]
    if not rule.children:
        return [f"<{element.tag}>: no child elements allowed"] if children else []
    position = 0
    for name, fewest, most in rule.children:
        count = 0
        while position < len(children) and children[position] == name:
            position += 1
            count += 1
        if not fewest <= count <= most:
            return [f"<{element.tag}>: {count} <{name}>, expected {fewest}..{most}"]
    if position < len(children):
        return [f"<{element.tag}>: <{children[position]}> out of order or not allowed"]
    return []
