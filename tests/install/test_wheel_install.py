"""The built wheel, installed as a user would, outside the repository: init → run → report → show.

The wheel is built from a copy of the sources (so the starter's files must be real package
data, not paths into the checkout) and installed without its dependencies into a fresh venv
in a temporary folder; the dependencies come from this environment's site-packages through a
.pth line placed after the venv's own (no network, and the venv's bridgelab always wins: the
test checks which file it imports). Every command then runs in the new project's folder.

Slow (a wheel build, runs and the starter's own tests: 20 s of CPU, a minute or more of wall
time): `make test-install` runs it, and CI after `make test`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _sh(args: list[str | Path], cwd: Path, env: dict[str, str], expect: int = 0
        ) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600, check=False)
    said = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == expect, f"{args}: exit {done.returncode}\n{said}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A fresh venv with the built wheel in it; its bin/ first on PATH."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src-copy"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    # symlinks=False: the starter's example files are copied as files, as a build would.
    shutil.copytree(ROOT / "src", source / "src", symlinks=False,
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    _sh([sys.executable, "-m", "pip", "wheel", source, "--no-deps", "--no-build-isolation",
         "--quiet", "-w", base / "dist"], base, env)
    (wheel,) = (base / "dist").glob("bridgelab-*.whl")
    venv = base / "venv"
    _sh([sys.executable, "-m", "venv", "--without-pip", venv], base, env)
    python = venv / "bin" / "python"
    _sh([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
         "--no-index", wheel], base, env)
    purelib = Path(_sh([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       base, env).stdout.strip())
    # After the venv's own site-packages: the dependencies, never this checkout's bridgelab.
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "zz-bridgelab-test-deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = _sh([python, "-c", "import bridgelab; print(bridgelab.__file__)"], base, env)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    return base, env


def test_init_run_report_show_from_the_installed_wheel(installed):
    base, env = installed
    _sh(["bridgelab", "init", "my-bridge", "--quiet"], base, env)
    project = base / "my-bridge"
    for scenario in sorted((project / "attacks").rglob("*.toml")):
        _sh(["bridgelab", "validate", scenario.relative_to(project)], project, env)
    _sh(["bridgelab", "run", "attacks/key-compromise-entity.toml", "--seed", "1", "--out",
         "runs/key", "--quiet"], project, env, expect=1)
    report = _sh(["bridgelab", "report", "runs/key", "--out", "reports/first", "--quiet",
                  "--no-cost"], project, env, expect=1)
    assert (project / "reports" / "first" / "report.html").is_file(), report.stderr
    shown = _sh(["bridgelab", "show", "runs/key", "--html", "runs/key/timeline.html"],
                project, env)
    assert "first violation" in shown.stdout and "key.compromise" in shown.stdout
    page = (project / "runs" / "key" / "timeline.html").read_text()
    assert '<rect class="fault"' in page and "<script" not in page
    # The starter's own tests, with their property of their own, pass as written.
    tests = _sh(["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/"], project,
                env)
    assert "2 passed" in tests.stdout, tests.stdout
