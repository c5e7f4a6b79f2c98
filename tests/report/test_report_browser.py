"""The HTML report in a real browser: headless Chromium (the Debian `chromium` package, which
`.ci/run` installs) loads it from disk, and the test checks what a reader would see — no
console errors, every plot drawn, nothing fetched from the network, a scenario named
`<script>alert(1)</script>` shown as text, never run as script, and every evidence link landing
on a row of the runs page (runs.html, beside the report).

The browser is driven over the Chrome DevTools Protocol on a pipe (tests/report_browser.py),
so nothing but Python and the browser is needed.
"""

from __future__ import annotations

import pytest

from tests.report.report_browser import chromium, open_page
from tests.report.report_fixtures import XSS_NAME, small_report

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="chromium is not installed (/usr/bin/chromium); .ci/run installs it with apt-get",
)

EXPRESSIONS = {
    "plots": "Array.from(document.querySelectorAll('img.plot'))"
             ".map(i => [i.complete, i.naturalWidth, i.naturalHeight])",
    "scripts": "document.scripts.length",
    "text": "document.body.innerText",
    "xss_cells": "Array.from(document.querySelectorAll('td'))"
                 ".filter(td => td.textContent.includes('<script>alert(1)</script>')).length",
    "cells": "document.querySelectorAll('.cell').length",
    "broken_links": "Array.from(document.querySelectorAll('a[href^=\"#\"]'))"
                    ".filter(a => !document.getElementById(a.getAttribute('href').slice(1)))"
                    ".map(a => a.getAttribute('href'))",
    "run_links": "Array.from(document.querySelectorAll('a[href^=\"runs.html#\"]'))"
                 ".map(a => a.getAttribute('href').split('#')[1])",
    "run_rows": "document.querySelectorAll('tr[id^=\"run-\"]').length",
    "alerted": "typeof window.__alerted",
}
RUNS_PAGE = {
    "ids": "Array.from(document.querySelectorAll('tr[id^=\"run-\"]')).map(tr => tr.id)",
    "xss_cells": EXPRESSIONS["xss_cells"],
    "scripts": "document.scripts.length",
    "back": "document.querySelectorAll('a[href=\"report.html\"]').length",
}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    report = small_report(tmp_path_factory)
    return report, open_page(report.out / "report.html", EXPRESSIONS)


@pytest.fixture(scope="module")
def runs_page(page):
    report, _ = page
    return open_page(report.out / "runs.html", RUNS_PAGE)


def test_the_report_renders_with_no_console_errors(page):
    _, seen = page
    assert seen.loaded
    assert seen.errors == []
    assert seen.exceptions == []


def test_the_plots_are_drawn(page):
    _, seen = page
    plots = seen.values["plots"]
    assert len(plots) == 3
    assert all(complete and width > 100 and height > 50 for complete, width, height in plots)


def test_a_scenario_named_script_is_text_not_script(page):
    _, seen = page
    assert seen.dialogs == []
    assert seen.values["scripts"] == 0
    assert XSS_NAME in seen.values["text"]
    assert seen.values["alerted"] == "undefined"


def test_the_runs_page_renders_and_shows_the_script_name_as_text(runs_page):
    assert runs_page.loaded and runs_page.errors == [] and runs_page.dialogs == []
    assert runs_page.values["scripts"] == 0
    assert runs_page.values["xss_cells"] >= 1
    assert runs_page.values["back"] >= 1


def test_every_evidence_link_lands_on_a_row_of_the_runs_page(page, runs_page):
    report, seen = page
    assert seen.values["run_rows"] == 0, "the runs table is not on the main page"
    rows = runs_page.values["ids"]
    assert sorted(rows) == sorted(f"run-{run['id']}" for run in report.report["runs"])
    assert seen.values["run_links"] and set(seen.values["run_links"]) <= set(rows)


def test_nothing_is_fetched_from_the_network(page):
    _, seen = page
    assert seen.requests, "the page itself should have been requested"
    for url in seen.requests:
        assert url.startswith(("file://", "data:")), url


def test_every_risk_cell_is_shown_and_every_evidence_link_resolves(page):
    report, seen = page
    expected = sum(len(block["cells"]) for block in report.report["risk_cells"])
    assert seen.values["cells"] == expected
    assert seen.values["broken_links"] == []


def test_the_browser_check_would_catch_an_unescaped_name(tmp_path):
    """Negative control: the same checks on a page that did not escape the name fail."""
    raw = tmp_path / "raw.html"
    raw.write_text(f"<!DOCTYPE html><html><body><td>{XSS_NAME}</td></body></html>")
    seen = open_page(raw, {"scripts": "document.scripts.length"})
    assert seen.dialogs and seen.dialogs[0]["message"] == "1"
    assert seen.values["scripts"] == 1
    # Under the report's Content-Security-Policy the script is refused, and that is an error.
    policy = ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"
              " img-src data:; style-src 'unsafe-inline'\">")
    guarded = tmp_path / "guarded.html"
    guarded.write_text(f"<!DOCTYPE html><html><head>{policy}</head><body>{XSS_NAME}</body></html>")
    seen = open_page(guarded, {})
    assert seen.dialogs == []
    assert seen.errors, "a refused inline script shows as a console error"
