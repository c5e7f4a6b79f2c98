"""The common JUnit XML schema's rules (Jenkins' junit-10.xsd, the strictest CI importers'),
written out as data so a test can check a report against them without a schema library.

Per element: the attributes allowed, those required, and the child elements allowed.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_TEXT = {"attributes": {"type", "message"}, "required": set(), "children": set()}
RULES: dict[str, dict[str, set[str]]] = {
    "testsuites": {"attributes": {"name", "time", "tests", "failures", "errors"},
                   "required": set(), "children": {"testsuite"}},
    "testsuite": {"attributes": {"name", "tests", "failures", "errors", "group", "time",
                                 "skipped", "timestamp", "hostname", "id", "package", "file",
                                 "log", "url"},
                  "required": {"name", "tests", "failures", "errors"},
                  "children": {"testsuite", "properties", "testcase", "system-out",
                               "system-err"}},
    "testcase": {"attributes": {"name", "time", "classname", "group"}, "required": {"name"},
                 "children": {"skipped", "error", "failure", "rerunFailure", "rerunError",
                              "flakyFailure", "flakyError", "system-out", "system-err"}},
    "properties": {"attributes": set(), "required": set(), "children": {"property"}},
    "property": {"attributes": {"name", "value"}, "required": {"name", "value"},
                 "children": set()},
    "failure": _TEXT, "error": _TEXT, "skipped": _TEXT,
    "system-out": {"attributes": set(), "required": set(), "children": set()},
    "system-err": {"attributes": set(), "required": set(), "children": set()},
}
# The schema's SUREFIRE_TIME, on testsuite and testsuites `time`.
SUREFIRE_TIME = re.compile(r"(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?")


def problems(root: ET.Element) -> list[str]:
    """Every way `root` breaks the rules; empty when the document is valid."""
    found = []
    if root.tag not in ("testsuites", "testsuite"):
        found.append(f"root element <{root.tag}>")
    for element in root.iter():
        rule = RULES.get(element.tag)
        if rule is None:
            found.append(f"element <{element.tag}> is not in the schema")
            continue
        for name in sorted(set(element.attrib) - rule["attributes"]):
            found.append(f"<{element.tag}> has attribute {name!r}")
        for name in sorted(rule["required"] - set(element.attrib)):
            found.append(f"<{element.tag}> lacks attribute {name!r}")
        for child in element:
            if child.tag not in rule["children"]:
                found.append(f"<{element.tag}> contains <{child.tag}>")
        if element.tag in ("testsuite", "testsuites") and "time" in element.attrib \
                and not SUREFIRE_TIME.fullmatch(element.attrib["time"]):
            found.append(f"<{element.tag}> time {element.attrib['time']!r}")
    return found
