"""Draw the report's plots with matplotlib (Agg, no display) as SVG data URIs.

An SVG shown through `<img src="data:image/svg+xml;base64,...">` is inert: a browser never
runs scripts in an image, and the page fetches nothing. Labels that come from scenarios are
drawn as text with math parsing off, so a `$` in a name is just a dollar sign.
"""

from __future__ import annotations

import base64
import io
import sys
from typing import Any

from bridgelab.extras import available
from bridgelab.report import words

# matplotlib is the extra [plots]: without it the report is written without its plots.
if available("plots"):
    import matplotlib

    matplotlib.use("Agg")

    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    # Tick labels as plain text (math parsing is off, so the default formatters' $...$ show).
    AMOUNT = FuncFormatter(lambda value, _: words.amount(value) if value else "0")
    PLAIN = FuncFormatter(lambda value, _: f"{value:g}")

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
STYLE = {
    "text.parse_math": False,
    "svg.fonttype": "none",
    "svg.hashsalt": "bridgelab",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _uri(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _version() -> tuple[int, int]:
    major, minor = matplotlib.__version__.split(".")[:2]
    return int(major), int("".join(ch for ch in minor if ch.isdigit()) or 0)


def _short(text: str, limit: int = 38) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty(message: str) -> str:
    figure, axes = plt.subplots(figsize=(6.4, 1.2))
    axes.axis("off")
    axes.text(0.5, 0.5, message, ha="center", va="center", color="#666666")
    return _uri(figure)


def loss_vs_entities(data: dict[str, Any]) -> str:
    points = data["points"]
    if not points:
        return _empty("no key-compromise runs in these results")
    figure, axes = plt.subplots(figsize=(6.4, 3.4))
    schemes = sorted({p["scheme"] for p in points})
    for index, scheme in enumerate(schemes):
        mine = [p for p in points if p["scheme"] == scheme]
        colour = COLOURS[index % len(COLOURS)]
        offset = (index - (len(schemes) - 1) / 2) * 0.08
        axes.scatter([p["entities"] + offset for p in mine], [p["loss"] for p in mine],
                     s=18, alpha=0.55, color=colour)
        xs = sorted({p["entities"] for p in mine})
        means = [sum(p["loss"] for p in mine if p["entities"] == x)
                 / sum(1 for p in mine if p["entities"] == x) for x in xs]
        axes.plot(xs, means, marker="o", color=colour, label=f"{scheme} (mean)")
    axes.set_xlabel("entities compromised")
    axes.set_ylabel("value extracted")
    axes.yaxis.set_major_formatter(AMOUNT)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.legend(frameon=False)
    axes.grid(alpha=0.25)
    return _uri(figure)


def latency_ticks(values: list[float]) -> list[float]:
    """Log-axis ticks at the data's own quantiles (least, median, p90, most), two significant
    digits, dropping any within a factor 1.4 of the previous one so labels never collide."""
    ordered = sorted(values)
    picks = [ordered[0], *(ordered[min(len(ordered) - 1, int(q * len(ordered)))]
                           for q in (0.5, 0.9)), ordered[-1]]
    ticks: list[float] = []
    for value in picks:
        rounded = float(f"{value:.2g}") if value > 0 else value
        if rounded > 0 and (not ticks or rounded >= 1.4 * ticks[-1]):
            ticks.append(rounded)
    return ticks


def latency_figure(data: dict[str, Any]) -> Any:
    """The deposit-latency boxes on an axis fitted to the data: linear from 0 to a little above
    the slowest deposit, or (when the slowest is over 50 times the fastest) logarithmic from
    just under the fastest to just over the slowest, ticked at the data's quantiles."""
    groups = data["groups"]
    height = max(2.4, 0.32 * len(groups) + 1.0)
    figure, axes = plt.subplots(figsize=(6.8, height))
    configs = list(dict.fromkeys(g["configuration"] for g in groups))
    colours = {c: COLOURS[i % len(COLOURS)] for i, c in enumerate(configs)}
    labels = [_short(f"{g['attack_label']} · {g['label']}", 60) for g in groups]
    # `orientation` replaced `vert` in matplotlib 3.10.
    sideways = ({"orientation": "horizontal"} if _version() >= (3, 10) else {"vert": False})
    boxes = axes.boxplot([g["values"] for g in groups], widths=0.6, patch_artist=True,
                         showfliers=True, flierprops={"markersize": 2, "alpha": 0.4},
                         **sideways)
    for patch, group in zip(boxes["boxes"], groups, strict=True):
        patch.set_facecolor(colours[group["configuration"]])
        patch.set_alpha(0.45)
    axes.set_yticks(range(1, len(groups) + 1), labels)
    axes.invert_yaxis()
    axes.set_xlabel("seconds from lock to mint")
    values = [float(v) for g in groups for v in g["values"]]
    low, high = min(values), max(values)
    if low > 0 and high > 50 * low:
        axes.set_xscale("log")
        axes.set_xlim(low / 1.25, high * 1.25)
        axes.xaxis.set_major_locator(FixedLocator(latency_ticks(values)))
        axes.xaxis.set_major_formatter(PLAIN)
        axes.xaxis.set_minor_locator(NullLocator())
    else:
        axes.set_xlim(0, high * 1.08 if high > 0 else 1.0)
    axes.grid(axis="x", alpha=0.25)
    return figure


def deposit_latency(data: dict[str, Any]) -> str:
    if not data["groups"]:
        return _empty("no histories on disk: deposit latencies unavailable")
    return _uri(latency_figure(data))


def activity_span(run: dict[str, Any]) -> tuple[float, float]:
    """The x range of one supply-gap panel: from the gap's first change to its last, with a
    margin (15% of that span, at least 10 s), inside the run; the whole run if it never
    changed."""
    points = run["points"]
    end = float(run["end"] or (points[-1][0] if points else 0.0))
    changes = [float(t) for i, (t, gap) in enumerate(points)
               if (gap != points[i - 1][1] if i else gap != 0)]
    if not changes:
        return 0.0, max(end, 1.0)
    first, last = changes[0], changes[-1]
    margin = max(0.15 * (last - first), 10.0)
    return max(0.0, first - margin), min(max(end, last), last + margin)


def supply_gap_figure(data: dict[str, Any]) -> Any:
    runs = data["runs"]
    figure, all_axes = plt.subplots(len(runs), 1, figsize=(6.8, 2.1 * len(runs)), squeeze=False)
    for index, (axes, run) in enumerate(zip(all_axes[:, 0], runs, strict=True)):
        colour = COLOURS[index % len(COLOURS)]
        ts = [p[0] for p in run["points"]]
        gap = [p[1] for p in run["points"]]
        end = run["end"] or (ts[-1] if ts else 0.0)
        left, right = activity_span(run)
        if ts:  # the last level holds to the run's end
            axes.step([*ts, end], [*gap, gap[-1]], where="post", color=colour, linewidth=1.2)
        for fault in run["faults"]:
            start = fault["start"] or 0.0
            heal = fault["heal"] if fault["heal"] is not None else end
            axes.axvspan(start, max(heal, start + (right - left) * 0.004), color="#f0a000",
                         alpha=0.2, linewidth=0)
        axes.axhline(0, color="#888888", linewidth=0.6)
        axes.set_xlim(left, right)
        axes.set_title(_short(f"{run['label']} · {run['attack_label']} · seed {run['seed']}", 90),
                       loc="left", fontsize=9)
        axes.set_ylabel("minted − locked")
        axes.yaxis.set_major_formatter(AMOUNT)
        axes.grid(alpha=0.25)
        whole = (left, right) == (0.0, max(float(end), 1.0))
        notes = [] if whole else [f"of {end:,.0f}, zoomed to where the gap changed"]
        if index == len(runs) - 1:
            notes.append("shaded: fault windows")
        axes.set_xlabel("simulated seconds" + (f" ({'; '.join(notes)})" if notes else ""))
    figure.tight_layout()
    return figure


def supply_gap(data: dict[str, Any]) -> str:
    if not data["runs"]:
        return _empty("no histories on disk: the supply gap is unavailable")
    return _uri(supply_gap_figure(data))


DRAW = {
    "loss-vs-entities": loss_vs_entities,
    "deposit-latency": deposit_latency,
    "supply-gap": supply_gap,
}


def render(plots: list[dict[str, Any]]) -> dict[str, str]:
    """Plot id -> SVG data URI (none without the extra [plots], and a note saying so)."""
    images: dict[str, str] = {}
    if not available("plots"):
        print("note: the report has no plots: they need matplotlib,"
              " pip install 'bridgelab[plots]'", file=sys.stderr)
        return images
    with plt.rc_context(STYLE):
        for plot in plots:
            draw = DRAW.get(plot["id"])
            if draw is not None:
                images[plot["id"]] = draw(plot["data"])
    return images
