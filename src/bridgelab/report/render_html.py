"""report dict -> one self-contained HTML file (inline CSS, plots as SVG data URIs, no script,
nothing fetched: a Content-Security-Policy forbids every network request and every script).

Jinja2 runs with autoescape on and the template never marks a value safe, so every string
from a scenario, a campaign or a user reaches the page as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from bridgelab.report import plots, words

TEMPLATES = Path(__file__).parent / "templates"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["amount"] = words.amount
    env.filters["duration"] = words.duration
    env.filters["interval"] = words.interval
    env.filters["percent"] = words.percent
    env.filters["detection"] = words.detection
    env.filters["tested"] = words.tested
    return env


def render_runs(report: dict[str, Any]) -> str:
    """runs.html: every run the report read, each with its replay command; the report's
    evidence links point at its rows (the main page stays short enough to read)."""
    configs = {c["id"]: c for c in report["configurations"]}
    return environment().get_template("runs.html.j2").render(report=report, configs=configs)


def render(report: dict[str, Any], images: dict[str, str] | None = None) -> str:
    if images is None:
        images = plots.render(report["plots"])
    configs = {c["id"]: c for c in report["configurations"]}
    matrix = {(c["attack"], c["configuration"]): c for c in report["attack_matrix"]["cells"]}

    class Matrix(dict):
        def __missing__(self, key: Any) -> None:
            return None

    template = environment().get_template("report.html.j2")
    return template.render(report=report, configs=configs, matrix=Matrix(matrix), images=images)
