"""The report as a reader meets it: the runs table on its own page, a summary that says what it
takes to break the bridge and how the custody schemes compare, consequences told under their
cause, evidence links labelled by seed, and plot axes that fit the data."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape

from bridgelab.extras import available
from bridgelab.report import render_md
from bridgelab.report.grouping import group_stats
from bridgelab.report.groups import ConfigGroup
from bridgelab.report.loading import load_records
from bridgelab.report.maturity import liveness
from bridgelab.report.model import build_report
from bridgelab.report.records import RunRecord
from tests.report.report_fixtures import small_report

RUN_LINK = re.compile(r'<a href="runs\.html#(run-[a-z0-9-]+)">([^<]*)</a>')


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return small_report(tmp_path_factory)


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        self.ids += [value for name, value in attrs if name == "id" and value]
        self.rows += tag == "tr"


def _parse(html: str) -> _Ids:
    parser = _Ids()
    parser.feed(html)
    return parser


# -- the runs page --------------------------------------------------------------------------------


def test_the_runs_table_is_on_its_own_page_and_every_link_resolves(small):
    main = (small.out / "report.html").read_text()
    runs_page = (small.out / "runs.html").read_text()
    runs = small.report["runs"]
    page = _parse(runs_page)
    assert sorted(i for i in page.ids if i.startswith("run-")) == sorted(
        f"run-{r['id']}" for r in runs)
    # The main page has no run rows, and fewer table rows than there are runs.
    assert not any(i.startswith("run-") for i in _parse(main).ids)
    assert 'href="runs.html"' in main and 'href="report.html"' in runs_page
    links = RUN_LINK.findall(main)
    assert links, "the evidence links point at the runs page"
    assert {target for target, _ in links} <= set(page.ids)
    for run in runs:
        if run["reproduce"]:
            assert run["reproduce"] in runs_page


def test_the_markdown_runs_table_is_in_runs_md(small):
    md = (small.out / "report.md").read_text()
    runs_md = (small.out / "runs.md").read_text()
    assert "[runs.md](runs.md)" in md and "(report.md)" in runs_md
    assert "| run | seed | verdict | loss | reproduce |" not in md
    assert "| run | seed | verdict | loss | reproduce |" in runs_md
    # One table row per run (the header and its rule are the other two).
    assert runs_md.count("\n| ") == len(small.report["runs"]) + 2


def test_evidence_links_are_labelled_by_seed(small):
    main = (small.out / "report.html").read_text()
    seed_of = {f"run-{r['id']}": r["seed"] for r in small.report["runs"]}
    links = RUN_LINK.findall(main)
    assert ">run</a>" not in main
    for target, label in links:
        assert f"seed {seed_of[target]}" in label, (target, label)
    # The attack matrix (not only the cells) carries such links.
    matrix = main[main.index('id="matrix"'):main.index('id="custody"')]
    assert RUN_LINK.search(matrix)


# -- the summary ----------------------------------------------------------------------------------


def test_the_summary_names_the_cost_to_break(small):
    headline = small.report["summary"]["cost_to_break"]
    assert headline["searched"]
    # One operator holds the threshold: the search breaks that bridge with one entity, and a
    # run that compromised it broke safety.
    assert headline["entities"] == 1
    assert "big-operator" in headline["text"]
    assert headline["in_runs"] and headline["in_runs"]["entities"] == 1
    assert headline["text"] in (small.out / "report.md").read_text().replace("\\", "")
    html = (small.out / "report.html").read_text()
    assert str(escape(headline["text"])) in html
    assert str(escape(small.report["summary"]["custody"]["text"])) in html


def test_a_search_that_broke_nothing_says_so_and_never_safe(small):
    records = [r for r in load_records([small.runs]) if r.family == "none"]
    key = records[0].config_key()
    nothing = {key: {"entities": None, "cost": None, "evaluations": 40, "max_evaluations": 40,
                     "loss_bound": None, "loss": None, "within_bound": None}}
    text = build_report(records, cost=nothing)["summary"]["cost_to_break"]["text"]
    assert "in 40 simulated attacks" in text and "not a proof" in text
    assert "safe" not in text.lower()
    unsearched = build_report(records)["summary"]["cost_to_break"]
    assert not unsearched["searched"] and "not run" in unsearched["text"]


def test_the_summary_contrasts_multisig_and_threshold_bls(small):
    custody = small.report["summary"]["custody"]
    assert custody["comparable"]
    rows = {row["scheme"]: row for row in custody["schemes"]}
    assert set(rows) == {"multisig", "threshold-bls"}
    for scheme, row in rows.items():
        runs = [r for r in small.report["runs"] if r["configuration"] in row["configurations"]]
        assert row["runs"] == len(runs), scheme
        assert row["broken"] == sum(1 for r in runs if r["safety_failed"]), scheme
    assert "Multisig: safety broke in" in custody["text"]
    assert "Threshold BLS: safety broke in" in custody["text"]
    # Collusion and censorship met only multisig here, the big operator only threshold BLS.
    assert "did not meet the same attacks" in custody["text"]


def test_one_custody_scheme_says_there_is_no_contrast(small):
    records = [r for r in load_records([small.runs]) if r.scheme == "multisig"]
    custody = build_report(records)["summary"]["custody"]
    assert not custody["comparable"]
    assert custody["text"].startswith("Only multisig custody was tested")


# -- consequences under their cause ---------------------------------------------------------------


def _run(seed: int, honest_failures: int) -> RunRecord:
    prop = "liveness.withdrawals-released"
    return RunRecord(
        id=f"theft-s{seed}-000000", scenario="theft", seed=seed,
        verdicts={"safety.supply-conservation": "fail", prop: "fail"},
        metrics={"outcome": {"value_extracted": 5}, "liveness": {
            prop: {"honest_failures": honest_failures, "frozen_by_theft": 2}}},
        config={"attacks": [{"kind": "key.compromise"}]},
    )


def test_transfers_a_theft_froze_are_told_as_its_consequence():
    theft_only = [_run(1, 0), _run(2, 0)]
    stats = group_stats(theft_only)
    assert stats["liveness"]["after_theft"] == 2
    cell = render_md._liveness({"liveness": stats["liveness"], "runs": 2})
    assert cell == "then stuck after the theft (2/2)"
    [recovers, _] = liveness(ConfigGroup("k", "cfg-1", "multisig", list(theft_only)))
    assert "only as a consequence of a theft" in recovers["detail"]
    # A run with an honest transfer stuck for no theft is still a liveness failure of its own.
    mixed = group_stats([_run(1, 0), _run(2, 1)])
    assert mixed["liveness"]["after_theft"] == 1
    text = render_md._liveness({"liveness": mixed["liveness"], "runs": 2})
    assert "liveness fail (1/2 besides the theft)" in text


# -- plot axes ------------------------------------------------------------------------------------

plots_only = pytest.mark.skipif(not available("plots"), reason="needs the [plots] extra")


@plots_only
def test_the_latency_axis_starts_at_the_data_on_a_log_scale():
    import matplotlib.pyplot as plt

    from bridgelab.report.plots import latency_figure

    fast = [2.0 + 0.02 * i for i in range(100)]  # most deposits: 2-4 s
    data = {"groups": [
        {"configuration": "cfg-1", "label": "a", "attack_label": "none", "values": fast},
        {"configuration": "cfg-1", "label": "a", "attack_label": "censor",
         "values": [*fast[:10], 906.0]},
    ]}
    figure = latency_figure(data)
    axes = figure.axes[0]
    low, high = axes.get_xlim()
    assert axes.get_xscale() == "log"
    assert 1.0 < low <= 2.0 and 906.0 <= high < 1500.0
    ticks = [t for t in axes.get_xticks() if low <= t <= high]
    assert ticks[0] <= 2.0 and any(2.0 <= t <= 4.0 for t in ticks[1:]), ticks
    plt.close(figure)


@plots_only
def test_the_latency_axis_is_linear_from_zero_when_the_spread_is_small():
    import matplotlib.pyplot as plt

    from bridgelab.report.plots import latency_figure

    data = {"groups": [{"configuration": "cfg-1", "label": "a", "attack_label": "none",
                        "values": [2.1, 2.8, 3.4, 4.0]}]}
    figure = latency_figure(data)
    axes = figure.axes[0]
    low, high = axes.get_xlim()
    assert axes.get_xscale() == "linear" and low == 0.0 and 4.0 < high < 5.0
    plt.close(figure)


@plots_only
def test_the_supply_gap_axis_spans_the_activity_not_the_run():
    import matplotlib.pyplot as plt

    from bridgelab.report.plots import supply_gap_figure

    run = {"label": "multisig", "attack_label": "key", "seed": 3, "end": 7_200.0,
           "points": [[0.0, 0], [130.0, 0], [150.0, 500_000], [330.0, 0]],
           "faults": [{"attack": "key", "start": 30.0, "heal": None}]}
    figure = supply_gap_figure({"runs": [run]})
    low, high = figure.axes[0].get_xlim()
    assert low <= 150.0 and high >= 330.0 and high - low < 400.0
    assert "7,200" in figure.axes[0].get_xlabel()
    plt.close(figure)


def _series(changes: list[tuple[float, int]], end: float) -> dict:
    points, t = [[0.0, 0]], 0.0
    for step, value in changes:
        t += step
        points.append([t, value])
    return {"points": points, "end": max(end, t)}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.5, 500.0), st.integers(-5, 5)), max_size=8),
       st.floats(1.0, 20_000.0))
def test_the_supply_gap_span_holds_every_change_inside_the_run(changes, end):
    from bridgelab.report.plots import activity_span

    run = _series(changes, end)
    low, high = activity_span(run)
    points = run["points"]
    moved = [t for i, (t, v) in enumerate(points) if i and v != points[i - 1][1]]
    assert 0.0 <= low < high <= max(run["end"], 1.0)
    assert all(low <= t <= high for t in moved)
    if not moved:
        assert (low, high) == (0.0, max(run["end"], 1.0))
