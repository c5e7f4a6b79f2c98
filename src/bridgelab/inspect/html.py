"""`bridgelab show RUN --html`: a self-contained timeline page, fault windows as bands.

One lane per fault (attack and actor), its windows drawn as bars over simulated time; the
selected events as ticks on a lane of their own, violations in red; below, the same events
as a table. Plain SVG and CSS, no script and nothing fetched: the page opens offline. Every
string from the run is HTML-escaped after `printable`.
"""

from __future__ import annotations

import html
from typing import Any

from bridgelab.inspect.runfiles import Run
from bridgelab.textsafe import printable

WIDTH = 1000
LANE = 22
LEFT = 220
MAX_LANES = 40
MAX_TICKS = 2_000


def _text(value: object, limit: int = 200) -> str:
    return html.escape(printable(value, limit), quote=True)


def _x(t: float, end: float) -> float:
    return LEFT + (WIDTH - LEFT - 40) * (t / end if end > 0 else 0.0)


def _svg(run: Run, events: list[dict[str, Any]], end: float) -> str:
    lanes: list[tuple[str, str]] = []
    for window in run.windows:
        lane = (window.attack, window.actor)
        if lane not in lanes and len(lanes) < MAX_LANES:
            lanes.append(lane)
    height = (len(lanes) + 2) * LANE + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}"'
             ' role="img" aria-label="timeline">']
    for index, (attack, actor) in enumerate(lanes):
        y = index * LANE + 10
        parts.append(f'<text x="4" y="{y + 15}" class="lane">{_text(attack, 30)} ·'
                     f' {_text(actor, 20)}</text>')
        for window in run.windows:
            if (window.attack, window.actor) != (attack, actor):
                continue
            x0 = _x(window.start, end)
            x1 = _x(end if window.end is None else window.end, end)
            title = f"{window.attack} round {window.round}: {window.start:.3f}s to " + (
                "never healed" if window.end is None else f"{window.end:.3f}s")
            parts.append(f'<rect class="fault" x="{x0:.1f}" y="{y + 3}" height="{LANE - 6}"'
                         f' width="{max(x1 - x0, 2):.1f}"><title>{_text(title, 300)}'
                         "</title></rect>")
    y = len(lanes) * LANE + 10
    parts.append(f'<text x="4" y="{y + 15}" class="lane">events</text>')
    # Violations drawn last, taller, so that no other event hides them.
    ticks = [e for e in events if e["kind"] != "violation"][:MAX_TICKS]
    ticks += [e for e in events if e["kind"] == "violation"][:MAX_TICKS]
    for event in ticks:
        violation = event["kind"] == "violation"
        title = f"#{event['seq']} t={event['t']}s {event['kind']}"
        parts.append(f'<rect class="{"violation" if violation else "event"}"'
                     f' x="{_x(event["t"], end) - violation:.1f}" y="{y - 2 * violation + 2}"'
                     f' width="{2 + 2 * violation}" height="{LANE - 4 + 4 * violation}">'
                     f"<title>{_text(title)}</title></rect>")
    axis = y + LANE + 14
    for step in range(6):
        t = end * step / 5
        parts.append(f'<text x="{_x(t, end):.1f}" y="{axis}" class="tick"'
                     f' text-anchor="middle">{t:,.0f}s</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def timeline_page(run: Run, events: list[dict[str, Any]], limit: int) -> str:
    from bridgelab.inspect.show import DETAIL_LIMIT, details, first_violation, folded

    end = max((float(e["t"]) for e in run.events), default=0.0)
    start = next((e for e in run.events if e["kind"] == "run.start"), {})
    title = printable(f"{start.get('scenario', '?')} · seed {start.get('seed', '?')}", 160)
    first = first_violation(run)
    summary = ("no violation recorded" if first is None else
               f"first violation: {first.get('property')} at t={first.get('t')}s,"
               f" event #{first.get('seq')}: {first.get('detail')}")
    if run.results is None:
        summary += f" · results set aside: {run.results_problem}"
    rows = []
    grouped = folded(events)
    for event, count, last in grouped if limit == 0 else grouped[:limit]:
        cls = ' class="violation"' if event["kind"] == "violation" else ""
        more = f" (and {count - 1} more alike until t={last:,.3f})" if count > 1 else ""
        rows.append(f"<tr{cls}><td>{event['t']:,.3f}</td><td>{event['seq']}</td>"
                    f"<td>{_text(event['kind'], 60)}</td><td>{_text(event.get('actor', ''), 60)}"
                    f"</td><td>{_text(details(event), DETAIL_LIMIT)}{_text(more)}</td></tr>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }}
.lane, .tick {{ font: 11px monospace; fill: #444; }}
rect.fault {{ fill: #f4b400; opacity: .75; }}
rect.event {{ fill: #4a6fa5; }} rect.violation {{ fill: #d62728; }}
table {{ border-collapse: collapse; margin-top: 1em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2px 8px; text-align: left;
  font: 12px monospace; vertical-align: top; }}
tr.violation td {{ color: #d62728; font-weight: bold; }}
.legend span.fault {{ color: #f4b400; }} .legend span.event {{ color: #4a6fa5; }}
.legend span.violation {{ color: #d62728; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{len(run.events):,} events over {end:,.1f} simulated seconds · {_text(summary, 600)}</p>
<p class="legend"><span class="fault">&#9632;</span> fault window (hover for its times)
<span class="event">&#9632;</span> selected event <span class="violation">&#9632;</span>
violation</p>
{_svg(run, events, end)}
<table><thead><tr><th>t (s)</th><th>#</th><th>kind</th><th>actor</th><th>details</th></tr>
</thead><tbody>
{chr(10).join(rows)}
</tbody></table>
</body></html>
"""
