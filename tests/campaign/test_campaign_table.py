"""A stored campaign as a typed table: fixed column types whatever the campaign holds,
Parquet metadata naming the campaign, and `bridgelab.load_campaign` for notebooks."""

from __future__ import annotations

import datetime
import sqlite3
from pathlib import Path

import pyarrow.parquet as pq

import bridgelab
from bridgelab.campaign.execute import run_campaign
from bridgelab.campaign.spec import load_campaign as load_spec
from bridgelab.campaign.store import Store
from bridgelab.campaign.table import FIXED_TYPES, typed_rows
from bridgelab.cli import main
from tests.campaign.test_campaign import SWEEP, write_campaign

NO_ATTACK = """
[[attacks]]
name = "none"
"""


def _stored(tmp_path, body, name):
    path = write_campaign(tmp_path, body, name=name, seeds="2")
    store = tmp_path / f"{name}.sqlite"
    with Store(store) as opened:
        run_campaign(load_spec(path), opened, jobs=1, fresh=True,
                     history_root=tmp_path / f"{name}-histories")
    return path, store


def test_column_types_do_not_depend_on_what_a_campaign_holds(tmp_path):
    # One campaign with attacks and a profile-free sweep, one honest: the fixed columns keep
    # their types even where every value is empty (no extraction, no detection).
    path_a, store_a = _stored(tmp_path, SWEEP, "swept")
    path_b, store_b = _stored(tmp_path, NO_ATTACK, "honest")
    schemas = []
    for path, store in ((path_a, store_a), (path_b, store_b)):
        out = tmp_path / f"{path.stem}.parquet"
        assert main(["campaign-export", str(path), "--store", str(store),
                     "--parquet", str(out)]) == 0
        table = pq.read_table(out)
        schemas.append({field.name: str(field.type) for field in table.schema})
        metadata = table.schema.metadata
        assert metadata[b"bridgelab.campaign.name"] == path.stem.encode()
        assert metadata[b"bridgelab.schema_version"] == b"1"
        assert "null" not in schemas[-1].values()
    for name in FIXED_TYPES:
        assert schemas[0][name] == schemas[1][name], name
    assert schemas[0]["settled"] == "bool" and schemas[0]["safety_violation"] == "bool"
    assert schemas[0]["finished_at"].startswith("timestamp")
    assert schemas[0]["failed"].startswith("list<") and "string" in schemas[0]["failed"]
    assert schemas[0]["param.committee.threshold"] == "int64"


def test_load_campaign_gives_typed_records_and_a_notebook_view(tmp_path):
    path, store = _stored(tmp_path, SWEEP, "swept")
    results = bridgelab.load_campaign(store)
    assert len(results) == load_spec(path).total_runs() == 8
    row = results.rows[0]
    assert isinstance(row["settled"], bool) and isinstance(row["seed"], int)
    assert isinstance(row["finished_at"], datetime.datetime)
    assert isinstance(row["failed"], list)
    assert results.to_arrow().num_rows == 8
    shown = results._repr_html_()
    assert "swept" in shown and "8 of 8 runs stored" in shown and "<table>" in shown
    assert bridgelab.load_campaign(store, results.campaign_hash[:10]).name == "swept"


def test_a_hostile_value_is_escaped_in_the_notebook_view():
    rows, columns = typed_rows([])
    assert rows == [] and columns["seed"] == "int64"
    from bridgelab.campaign.table import CampaignResults

    view = CampaignResults("<script>x</script>", "ab" * 32, 1, [], columns)._repr_html_()
    assert "<script>" not in view and "&lt;script&gt;" in view


def test_a_row_that_is_not_one_of_the_campaign_s_runs_is_left_out(tmp_path, capsys):
    """A row under a key the campaign does not expand to (a seed it does not have) is no run
    of it: the notebook loader and the export leave it out and name it."""
    import dataclasses

    from bridgelab.campaign.runspec import run_key
    from bridgelab.campaign.worker import execute_run

    path, store = _stored(tmp_path, NO_ATTACK, "honest")
    campaign = load_spec(path)
    first = next(campaign.specs(tmp_path / "honest-histories"))
    stranger = run_key(0, "none", 7)
    with Store(store) as opened:
        assert opened.add(execute_run(dataclasses.replace(
            first, seed=7, run_key=stranger,
            history_dir=str(Path(first.history_dir).parent / "s7"))))
    results = bridgelab.load_campaign(store)
    assert len(results) == campaign.total_runs() == 2
    assert results.left_out == [stranger]
    capsys.readouterr()
    assert main(["campaign-export", str(path), "--store", str(store),
                 "--csv", str(tmp_path / "out.csv")]) == 2
    assert f"left out {stranger}: not a run of this campaign" in capsys.readouterr().err
    assert len((tmp_path / "out.csv").read_text().splitlines()) == 1 + 2


def test_export_leaves_out_rows_that_campaign_stats_leaves_out(tmp_path, capsys):
    """Rows whose history disagrees with them (a failing run's row edited to pass), or that
    have none, were exported as they stood, exit 0 and "complete": what the export carries
    is what campaign-stats would use."""
    path, store = _stored(tmp_path, NO_ATTACK, "honest")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE runs SET history_path = NULL WHERE seed = 1")
    capsys.readouterr()
    assert main(["campaign-export", str(path), "--store", str(store),
                 "--parquet", str(tmp_path / "out.parquet")]) == 2
    assert "left out c0000/none/s1: no history recorded" in capsys.readouterr().err
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.num_rows == 1
    assert table.schema.metadata[b"bridgelab.campaign.complete"] == b"false"


def test_the_notebook_loader_leaves_out_rows_whose_history_does_not_verify(tmp_path):
    """The notebook loader carried what the store said: a failing run's row edited to pass,
    or a row whose history is gone, read as a clean run."""
    _, store = _stored(tmp_path, NO_ATTACK, "honest")
    assert bridgelab.load_campaign(store).complete
    with sqlite3.connect(store) as db:
        [(history,)] = db.execute("SELECT history_path FROM runs WHERE seed = 1").fetchall()
        db.execute("UPDATE runs SET history_path = NULL WHERE seed = 2")
    with Path(history).open("a") as stream:
        stream.write('{"seq": 999999, "t": 0, "actor": "x", "kind": "mint"}\n')
    results = bridgelab.load_campaign(store)
    assert results.rows == [] and not results.complete
    assert sorted(results.left_out) == ["c0000/none/s1", "c0000/none/s2"]
    assert results.problems["c0000/none/s2"][0].startswith("no history recorded")
    assert results.problems["c0000/none/s1"]
    assert "0 of 2 runs stored" in results._repr_html_()


def test_a_store_whose_registration_does_not_check_says_so_in_the_notebook(tmp_path):
    """A registration edited to a word in place of the run count made the notebook view
    crash, and the rows were taken for the campaign's runs all the same."""
    _, store = _stored(tmp_path, NO_ATTACK, "honest")
    with sqlite3.connect(store) as db:
        db.execute("UPDATE campaigns SET total_runs = 'many'")
    results = bridgelab.load_campaign(store)
    assert results.total_runs is None and "not the many" in results.unregistered
    assert not results.complete and results.metadata["campaign.complete"] == "false"
    shown = results._repr_html_()
    assert "2 of an unknown number of runs stored" in shown
    assert "registration of this campaign does not check" in shown
