"""The outcome of one run: its fingerprint, verdicts, metrics and violations, the history's
hash, and the exit code they give; `to_json` is what results.json holds.
"""

from __future__ import annotations

import functools
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bridgelab import exitcodes


@dataclass(slots=True)
class RunResult:
    fingerprint: dict[str, Any]
    verdicts: dict[str, str]
    metrics: dict[str, Any]
    violations: list[dict[str, Any]]
    history_sha256: str
    settled: bool
    sim_time: float
    wall_time_s: float
    history_events: int
    sim_steps: int
    inconclusive: list[str] = field(default_factory=list)
    # Why the engine stopped the run before its end (core/guard.py), or None.
    stopped: str | None = None
    # Where the run's evidence was written (None: not written); not part of results.json.
    out_dir: Path | None = None

    def __repr__(self) -> str:
        from bridgelab.runview import short_repr

        return short_repr(self)

    def _repr_html_(self) -> str:
        """The run in a notebook: verdict, properties, first violation, hash, directory."""
        from bridgelab.runview import html_repr

        return html_repr(self)

    def stop_early(self, why: str) -> None:
        """Mark a run the stall guard stopped: what held over its partial history vouches
        for nothing, so no verdict is a pass. A safety violation recorded is still a
        failure; any other failure (a transfer not delivered, a user's expectation) was
        judged at an end the run never reached, so it is unknown too."""
        self.stopped = why
        self.verdicts = {
            prop: "unknown" if verdict == "pass"
            or (verdict == "fail" and not prop.startswith("safety.")) else verdict
            for prop, verdict in self.verdicts.items()
        }
        self.inconclusive.insert(0, f"the run was stopped early: {why}")

    @property
    def exit_code(self) -> int:
        """0 pass, 1 a property failed, 2 inconclusive (nothing failed, nothing vouched)."""
        if any(verdict == "fail" for verdict in self.verdicts.values()):
            return exitcodes.EXIT_FAIL
        return exitcodes.EXIT_INCONCLUSIVE if self.inconclusive else exitcodes.EXIT_PASS

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "verdicts": self.verdicts,
            "metrics": self.metrics,
            "violations": self.violations,
            "inconclusive": self.inconclusive,
            **({"stopped": self.stopped} if self.stopped is not None else {}),
            "history": {"sha256": self.history_sha256, "events": self.history_events},
            "run": {
                "settled": self.settled,
                "simulated_seconds": round(self.sim_time, 6),
                "sim_steps": self.sim_steps,
            },
        }


@functools.cache
def git_commit() -> str | None:
    """The source tree's commit, if it is a git checkout (for the fingerprint only); asked
    once per process, not once per run: a campaign worker runs hundreds."""
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None if completed.returncode == 0 else None
