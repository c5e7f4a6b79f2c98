"""report dict -> Markdown. Every string from a scenario or a user goes through `text()` (or
`code()` for commands), so it renders as itself: no HTML, links or emphasis can be injected.
"""

from __future__ import annotations

import re
from typing import Any

from bridgelab.report import words

# Backslash-escaped, these are literal in CommonMark: no tag (<), entity (&), link ([ ]),
# emphasis (* _ ~), code (`) or table cell (|) can start inside a user's string.
SPECIAL = re.compile(r"([\\`*_\[\]|~<>&])")
LINE_START = re.compile(r"^(\s*)([#+\-=>]|\d+[.)])")


def text(value: Any) -> str:
    """Plain text, safe in a paragraph, a list item or a table cell."""
    escaped = " ".join(SPECIAL.sub(r"\\\1", str(value)).split())
    # Nor a heading, list or quote at the start of a line.
    def guard(match: re.Match[str]) -> str:
        mark = match.group(2)
        return match.group(1) + (mark[:-1] + "\\" + mark[-1] if mark[0].isdigit()
                                 else "\\" + mark)

    return LINE_START.sub(guard, escaped)


def code(value: Any, table: bool = False) -> str:
    """An inline code span that no backtick inside can close early (in a table cell, a pipe
    is escaped too: GFM splits cells before it parses code spans)."""
    content = " ".join(str(value).split())
    if table:
        content = content.replace("|", "\\|")
    runs = [len(m) for m in re.findall(r"`+", content)]
    fence = "`" * (max(runs, default=0) + 1)
    pad = " " if content.startswith("`") or content.endswith("`") or runs else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def _evidence(items: list[dict[str, Any]]) -> str:
    parts = []
    for e in items:
        command = code(e["reproduce"], table=True) if e.get("reproduce") else "no command"
        parts.append(f"{text(e['scenario'])} seed {e['seed']} ({text(e['verdict'])}): {command}")
    return "; ".join(parts)


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render(report: dict[str, Any]) -> str:
    configs = {c["id"]: c for c in report["configurations"]}
    out: list[str] = [
        *_summary(report),
        *_risk_cells(report, configs),
        *_risk_sentences(report),
        *_cost_to_break(report),
        *_attack_matrix(report, configs),
        *_custody_comparison(report),
        *_incidents(report),
        *_maturity(report, configs),
        *_plots(report),
        *_runs_link(report),
        *_rules(report),
    ]
    return "\n".join(out) + "\n"


def render_runs(report: dict[str, Any]) -> str:
    """runs.md: every run the report read, with its replay command (report.md links here)."""
    out = [f"# Runs: {text(report['title'])}", "",
           f"[Back to the report](report.md) · {len(report['runs'])} runs read. Replay one"
           " with its command from the repository root; it gives the same verdicts.",
           *_runs(report)]
    return "\n".join(out) + "\n"


def _runs_link(report: dict[str, Any]) -> list[str]:
    unverified = report["summary"].get("unverified_runs") or 0
    return ["", "## Runs", "",
            f"All {len(report['runs'])} runs this report read, each with the command that"
            " replays it, are listed in [runs.md](runs.md)"
            + (f" ({unverified} of them not used: their evidence does not verify)"
               if unverified else "") + "."]


def _summary(report: dict[str, Any]) -> list[str]:
    summary = report["summary"]
    out: list[str] = [f"# {text(report['title'])}", ""]
    campaigns = ", ".join(code(c) for c in summary["campaigns"])
    out.append(
        f"bridgelab {text(report['generated_by']['bridgelab'])} · {summary['runs']} runs,"
        f" {summary['seeds']} seeds" + (f" · campaigns: {campaigns}" if campaigns else "")
    )
    out += ["", "## Summary", "", f"**Verdict: {text(summary['verdict'])}.**"
            f" {text(summary['verdict_text'])}", ""]
    unusable = summary.get("unusable") or []
    if unusable:
        out += [f"**{len(unusable)} of the {summary.get('runs_read', len(unusable))} runs read"
                " could not be used**: their evidence does not verify, so nothing in this"
                " report rests on them.", ""]
        out += [f"- {text(u['scenario'])} seed {u['seed']}"
                + (f" ({code(u['results'])})" if u.get("results") else "")
                + f": {text('; '.join(u['reasons']))}" for u in unusable]
        out.append("")
    elif summary.get("unverified_runs"):
        out += [f"{summary['unverified_runs']} runs were left out: their evidence does not"
                " verify.", ""]
    out += ["Configurations tested:", ""]
    out += [f"- {text(c)}" for c in summary["configurations"]]
    out += ["", f"**What it takes to break it.** {text(summary['cost_to_break']['text'])}", "",
            f"**Multisig versus threshold BLS.** {text(summary['custody']['text'])}"]
    out += ["", "The largest risks:", ""]
    out += [f"{i}. {text(r)}" for i, r in enumerate(summary["top_risks"], start=1)] or [
        "No run violated a property or was delayed."]
    return out


def _risk_cells(report: dict[str, Any], configs: dict[str, Any]) -> list[str]:
    out = ["", "## Risk cells", ""]
    for block in report["risk_cells"]:
        config = configs[block["configuration"]]
        out += [f"### {text(config['label'])}", "", text(config["description"]), "",
                _row(["risk", "value", "sentiment", "why", "evidence"]),
                _row(["---"] * 5)]
        for cell in block["cells"]:
            out.append(_row([
                text(cell["label"]), text(cell["value"]), f"**{text(cell['sentiment'])}**",
                text(cell["reason"]), _evidence(cell["evidence"]),
            ]))
        out.append("")
    return out


def _risk_sentences(report: dict[str, Any]) -> list[str]:
    out = ["## Risks found in the runs", ""]
    for sentence in report["risk_sentences"]:
        out.append(f"- **{text(sentence['kind'])}**: {text(sentence['text'])}"
                   f" Evidence: {_evidence(sentence['evidence'])}")
    if not report["risk_sentences"]:
        out.append("No run violated a property or was delayed.")
    return out


def _cost_to_break(report: dict[str, Any]) -> list[str]:
    out = ["", "## Cost to break", ""]
    for entry in report["cost_to_break"]:
        out.append(f"- {text(entry['text'])}")
        if entry.get("loss_text"):
            out.append(f"  {text(entry['loss_text'])}")
        if entry.get("reproduce"):
            out.append(f"  Minimal attack: {code(entry['reproduce'])}")
    if not report["cost_to_break"]:
        out.append("Not computed for this report.")
    return out


def _attack_matrix(report: dict[str, Any], configs: dict[str, Any]) -> list[str]:
    matrix = report["attack_matrix"]
    cells = {(c["attack"], c["configuration"]): c for c in matrix["cells"]}
    out = ["", "## Attack matrix", "",
           _row(["attack", *[text(configs[c]["label"]) for c in matrix["configurations"]]]),
           _row(["---"] * (1 + len(matrix["configurations"])))]
    for attack in matrix["attacks"]:
        row = [text(attack["label"])]
        for cid in matrix["configurations"]:
            cell = cells.get((attack["id"], cid))
            row.append("not run" if cell is None else _matrix_cell(cell))
        out.append(_row(row))
    return out


def _matrix_cell(cell: dict[str, Any]) -> str:
    p = cell["p_loss"]
    loss = cell["loss"]
    return (
        f"safety {cell['safety']['verdict']} ({cell['safety']['count']}/{cell['runs']}"
        f"{words.tested(cell)}),"
        f" {_liveness(cell)}; P(loss) {text(words.interval(p['p'], p['low'], p['high']))};"
        f" loss p50/p90/max {text(words.amount(loss['p50']))}/"
        f"{text(words.amount(loss['p90']))}/{text(words.amount(loss['max']))};"
        f" detect {text(words.detection(cell))}"
        + _evm_gas(cell) + _seeds(cell["evidence"])
    )


def _liveness(cell: dict[str, Any]) -> str:
    """Liveness, with the transfers a theft froze told as the theft's consequence."""
    live, runs = cell["liveness"], cell["runs"]
    theft = live.get("after_theft") or 0
    own = live["count"] - theft
    parts = [f"then stuck after the theft ({theft}/{runs})"] if theft else []
    if own or not theft:
        parts.append(f"liveness {live['verdict']} ({own}/{runs}"
                     + (" besides the theft)" if theft else ")"))
    return ", ".join(parts)


def _seeds(evidence: list[dict[str, Any]]) -> str:
    return ("; evidence: " + ", ".join(f"seed {e['seed']}" for e in evidence)) if evidence else ""


def _evm_gas(cell: dict[str, Any]) -> str:
    """EVM mode's gas per mint beside the model's bid, when the runs had the EVM."""
    if cell.get("evm_mint_gas") is None:
        return ""
    model = cell.get("model_mint_gas")
    beside = f" (model {model:,.0f})" if model else ""
    return f"; gas/mint EVM {cell['evm_mint_gas']:,.0f}{beside}"


def _custody_comparison(report: dict[str, Any]) -> list[str]:
    comparison = report["custody_comparison"]
    out = ["", "## Multisig versus threshold BLS", ""]
    if not comparison["comparable"]:
        return [*out, "Only one custody scheme appears in these runs."]
    out += [_row(["attack", *[text(s) for s in comparison["schemes"]]]),
            _row(["---"] * (1 + len(comparison["schemes"])))]
    for row in comparison["rows"]:
        line = [text(row["label"])]
        for scheme in comparison["schemes"]:
            c = row["by_scheme"].get(scheme)
            line.append("not run" if c is None else
                        f"safety {c['safety']['verdict']} ({c['safety']['count']}/{c['runs']}"
                        f"{words.tested(c)}),"
                        f" P(loss) {text(words.percent(c['p_loss']['p']))},"
                        f" loss max {text(words.amount(c['loss']['max']))}"
                        + _seeds(c["evidence"]))
        out.append(_row(line))
    return out


def _incidents(report: dict[str, Any]) -> list[str]:
    out = ["", "## Incident reproductions", ""]
    for incident in report["incidents"]:
        out.append(f"### {text(incident['name'])}")
        out.append("")
        if incident["effect"]:
            out.append(f"Defence: {text(incident['effect'])}.")
        for side_name in ("incident", "defended"):
            side = incident[side_name]
            if side is None:
                continue
            broke = ", ".join(side["safety_failed"]) or "none"
            out.append(f"- {side_name}: {text(side['description'])} Safety failed: {text(broke)};"
                       f" loss {text(words.amount(side['loss']['max']))}."
                       f" {_evidence(side['evidence'])}")
        for change in incident["changes"]:
            out.append(f"  - {code(change['setting'])}: {text(change['before'])} →"
                       f" {text(change['after'])}")
        out.append("")
    if not report["incidents"]:
        out.append("No incident reproductions among these runs.")
    return out


def _maturity(report: dict[str, Any], configs: dict[str, Any]) -> list[str]:
    out = ["", "## Maturity checklist", ""]
    for block in report["maturity"]:
        out += [f"### {text(configs[block['configuration']]['label'])}", ""]
        for item in block["items"]:
            mark = {"pass": "[x]", "fail": "[ ]", "unknown": "[?]"}[item["status"]]
            out.append(f"- {mark} {text(item['label'])}: {text(item['detail'])}")
        out.append("")
    return out


def _plots(report: dict[str, Any]) -> list[str]:
    out = ["## Plots", "", "The plots are in report.html; their data is in report.json.", ""]
    for plot in report["plots"]:
        out.append(f"- {text(plot['title'])}: {text(plot['caption'])}")
    return out


def _runs(report: dict[str, Any]) -> list[str]:
    out = ["", "## Runs", "", _row(["run", "seed", "verdict", "loss", "reproduce"]),
           _row(["---"] * 5)]
    for run in report["runs"]:
        symbolic = " (symbolic signatures)" if run.get("crypto") == "symbolic" else ""
        if run.get("problems"):
            symbolic += ": " + "; ".join(run["problems"])
        theft = run.get("liveness_by_theft") or []
        if theft:
            symbolic += ": stuck after the theft (" + ", ".join(theft) + ")"
        out.append(_row([text(run["scenario"]), str(run["seed"]), text(run["verdict"] + symbolic),
                         text(words.amount(run["loss"])),
                         code(run["reproduce"], table=True) if run["reproduce"]
                         else "no command"]))
    return out


def _rules(report: dict[str, Any]) -> list[str]:
    out = ["", "## How sentiments are decided", ""]
    for rule_id, rule in report["rules"].items():
        out.append(f"- **{text(rule_id)}**: {text(rule)}.")
    return out
