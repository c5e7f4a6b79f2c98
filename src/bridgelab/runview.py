"""A single run's result as a notebook shows it: `RunResult.__repr__` (one line) and
`RunResult._repr_html_` (the verdict, the properties with their status, the first violation,
the history's SHA-256 and the run directory).

Every string comes from a scenario, a user property or the model's records: it is passed
through `textsafe.printable` (controls and invisible characters made visible, bounded) and
then HTML-escaped, so a hostile scenario name cannot write markup into the notebook.
"""

from __future__ import annotations

import html
from typing import Any

from bridgelab import exitcodes
from bridgelab.textsafe import printable

VERDICT_WORDS = {
    exitcodes.EXIT_PASS: "pass: every property held",
    exitcodes.EXIT_FAIL: "FAIL: a property failed",
    exitcodes.EXIT_INCONCLUSIVE: "inconclusive: nothing failed, not everything was shown to hold",
}
STATUS_COLOURS = {"pass": "#1a7f37", "fail": "#cf222e", "unknown": "#9a6700",
                  "not_exercised": "#6e7781"}
MAX_ROWS = 60


def _text(value: object, limit: int = 300) -> str:
    return html.escape(printable(value, limit))


def first_violation(result: Any) -> dict[str, Any] | None:
    """The earliest violation in simulated time (the order of detection breaks ties)."""
    ranked = sorted(enumerate(result.violations),
                    key=lambda item: (item[1].get("time", 0.0), item[0]))
    return ranked[0][1] if ranked else None


def short_repr(result: Any) -> str:
    failed = sorted(prop for prop, verdict in result.verdicts.items() if verdict == "fail")
    fields = [
        f"scenario={printable(result.fingerprint.get('scenario'), 80)!r}",
        f"seed={result.fingerprint.get('seed')}",
        f"verdict={VERDICT_WORDS[result.exit_code].split(':')[0].lower()!r}",
        f"failed={[printable(name, 80) for name in failed[:5]]}"
        + ("…" if len(failed) > 5 else ""),
        f"history_sha256={result.history_sha256[:16]!r}",
        f"run_dir={None if result.out_dir is None else printable(result.out_dir, 200)!r}",
    ]
    return f"RunResult({', '.join(fields)})"


def _property_rows(result: Any) -> str:
    rows = []
    for prop, verdict in sorted(result.verdicts.items()):
        if prop.startswith("coverage.") and verdict == "not_exercised":
            continue  # probes that never fired: in results.json, noise here
        colour = STATUS_COLOURS.get(verdict, "inherit")
        rows.append(f"<tr><td><code>{_text(prop, 120)}</code></td>"
                    f"<td style=\"color:{colour}\"><b>{_text(verdict, 40)}</b></td></tr>")
    more = len(rows) - MAX_ROWS
    shown = "".join(rows[:MAX_ROWS])
    if more > 0:
        shown += f"<tr><td colspan=\"2\">… and {more} more</td></tr>"
    return shown


def _violation(result: Any) -> str:
    first = first_violation(result)
    if first is None:
        return "<p>no violation</p>"
    return (f"<p><b>first violation</b>: <code>{_text(first.get('property'), 120)}</code> at"
            f" t={_text(first.get('time'), 30)} s, event #{_text(first.get('event_seq'), 20)}"
            f" ({_text(first.get('event_kind'), 60)}): {_text(first.get('detail'), 500)}</p>")


def html_repr(result: Any) -> str:
    fingerprint = result.fingerprint
    code = result.exit_code
    colour = {0: "#1a7f37", 1: "#cf222e"}.get(code, "#9a6700")
    head = (f"<p><b>{_text(fingerprint.get('scenario'), 200)}</b> · seed"
            f" {_text(fingerprint.get('seed'), 30)}"
            + (" · SYMBOLIC signatures" if fingerprint.get("crypto") == "symbolic" else "")
            + f" — <b style=\"color:{colour}\">{_text(VERDICT_WORDS[code])}</b></p>")
    reasons = "".join(f"<li>{_text(reason, 500)}</li>" for reason in result.inconclusive[:10])
    inconclusive = f"<p>inconclusive because:</p><ul>{reasons}</ul>" if reasons else ""
    where = ("not written (no output directory)" if result.out_dir is None
             else f"<code>{_text(result.out_dir, 300)}</code>")
    return (
        f"<div class=\"bridgelab-run\">{head}"
        f"<table><tr><th>property</th><th>status</th></tr>{_property_rows(result)}</table>"
        f"{_violation(result)}{inconclusive}"
        f"<p>history sha256 <code>{_text(result.history_sha256, 64)}</code>"
        f" ({result.history_events:,} events) · run directory {where}</p></div>"
    )
