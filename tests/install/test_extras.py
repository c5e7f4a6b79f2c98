"""A lean core: heavy dependencies are extras, named when missing; --help loads none of them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bridgelab.cli import main
from bridgelab.extras import EXTRAS, MissingExtra, require

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("matplotlib", "pyarrow", "dask", "distributed", "pycryptodome")


def test_the_core_dependencies_hold_none_of_the_heavy_parts():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = " ".join(project["dependencies"])
    assert not [name for name in HEAVY if name in core]
    extras = project["optional-dependencies"]
    assert {"plots", "parquet", "dask", "all"} <= set(extras)
    assert extras["all"] == ["bridgelab[plots,parquet,dask]"]


def test_the_command_line_loads_no_model_and_no_extra_until_a_command_runs():
    code = ("import sys, bridgelab.cli; bridgelab.cli.build_parser();"
            " print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('pydantic', 'matplotlib', 'pyarrow', 'dask', 'distributed', 'simpy')"
            " or m == 'bridgelab.scenario.model'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip() == "[]", done.stdout


@pytest.fixture
def without(monkeypatch):
    """Make modules unimportable, as if their extra were not installed."""
    def block(*modules: str) -> None:
        for name in list(sys.modules):
            if name.split(".")[0] in modules:
                monkeypatch.delitem(sys.modules, name)
        for name in modules:
            monkeypatch.setitem(sys.modules, name, None)  # import raises ImportError
        import importlib.util
        real = importlib.util.find_spec
        monkeypatch.setattr(importlib.util, "find_spec",
                            lambda n, *a: None if n.split(".")[0] in modules else real(n, *a))
    return block


def test_require_names_the_extra(without):
    without("pyarrow")
    with pytest.raises(MissingExtra) as missing:
        require("pyarrow", "parquet", "Parquet export")
    assert "pip install 'bridgelab[parquet]'" in str(missing.value)
    assert missing.value.exit_code == 3


def test_every_extra_module_is_declared_in_the_project():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    for extra, modules in EXTRAS.items():
        declared = " ".join(extras[extra])
        assert all(module in declared for module in modules), extra


def test_parquet_export_without_pyarrow_is_bad_input_and_writes_nothing(tmp_path, without,
                                                                         capsys):
    campaign = tmp_path / "c.toml"
    base = (ROOT / "attacks" / "baseline.toml").as_posix()
    campaign.write_text(f'[campaign]\nname = "c"\nbase = "{base}"\nseeds = 1\n')
    without("pyarrow")
    out = tmp_path / "runs.parquet"
    assert main(["campaign-export", str(campaign), "--parquet", str(out),
                 "--store", str(tmp_path / "s.sqlite")]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: --parquet needs") and "bridgelab[parquet]" in err
    assert len(err.splitlines()) == 1 and not out.exists()


def test_a_report_without_matplotlib_has_no_plots_and_says_so(without, capsys):
    from bridgelab.report import plots

    without("matplotlib")
    assert plots.render([{"id": "latency", "data": {}}]) == {}
    assert "bridgelab[plots]" in capsys.readouterr().err

