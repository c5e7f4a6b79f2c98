"""Run records: one per simulated run, from a campaign store or a directory of run outputs.

A record carries what the report needs and nothing it must guess: the scenario and seed, the
command that reproduces the run, the campaign it belongs to, its verdicts and metrics, where its
history is, and the scenario itself as data. Every record is checked as evidence first
(`bridgelab.evidence`): the run completed, its history is there and hashes to what the run
recorded, and its own scenario (the run directory's scenario.toml, or the one the campaign
store keeps) validates and hashes to the run's fingerprint. A record that fails is kept, with
its `problems`, so that the report names it instead of silently leaving it out.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SQLITE_MAGIC = b"SQLite format 3\x00"

# Committee and bridge settings that make a configuration (the attacks, the workload and the
# environment — L2, oracle, network — are what a campaign varies around it).
CONFIG_COMMITTEE_KEYS = ("custody", "members", "threshold", "required", "refresh_interval")
CONFIG_SECTIONS = ("bridge", "defences", "entities", "delegations")

FAMILIES: tuple[tuple[str, str], ...] = (
    ("collusion.", "collusion"),
    ("key.", "key compromise"),
    ("adversary.", "key compromise"),
    ("ecdsa.", "key compromise"),
    ("relayer.", "relayers"),
    ("node.", "consensus and network"),
    ("network.", "consensus and network"),
    ("settlement.", "settlement chain"),
    ("oracle.", "oracle"),
    ("forge.", "verifier flaw"),
    ("message.", "verifier flaw"),
    ("l2.", "L2"),
)
KEY_FAMILY = "key compromise"


class RecordError(Exception):
    """RESULTS is neither a campaign store nor a directory holding results.json files."""


@dataclass(eq=False)
class RunRecord:
    """One run, as the report sees it (compared by identity: one object per run)."""

    id: str
    scenario: str
    seed: int
    verdicts: dict[str, str]
    metrics: dict[str, Any]
    violations: list[dict[str, Any]] = field(default_factory=list)
    inconclusive: list[str] = field(default_factory=list)
    fingerprint: dict[str, Any] = field(default_factory=dict)
    reproduce: str | None = None
    scenario_path: str | None = None
    campaign: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    history_path: str | None = None
    results_path: str | None = None
    # The scenario as data (`Scenario.model_dump(mode="json")`), when it could be loaded.
    config: dict[str, Any] | None = None
    # The reproduce command names a scenario whose hash matches this run's fingerprint.
    reproducible: bool = False
    # Campaign-level facts the store read from the history (e.g. compromised seats).
    probes: dict[str, Any] = field(default_factory=dict)
    # Why the run's evidence does not verify ("history hash mismatch", "incomplete run", ...):
    # such a run is listed in the report, never used for a verdict.
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Its evidence verified: the report may rest on this run."""
        return not self.problems and self.config is not None

    # -- verdicts ---------------------------------------------------------------------------

    @property
    def safety_failed(self) -> list[str]:
        return sorted(
            p for p, v in self.verdicts.items() if p.startswith("safety.") and v == "fail"
        )

    @property
    def liveness_failed(self) -> list[str]:
        return sorted(
            p for p, v in self.verdicts.items() if p.startswith("liveness.") and v == "fail"
        )

    @property
    def liveness_by_theft(self) -> list[str]:
        """Failed liveness properties whose every stuck transfer a theft froze (the pause that
        followed it, or an escrow it drained), as the run's `metrics.liveness` classifies them;
        without that classification (older results), none."""
        breakdown = self.metrics.get("liveness")
        if not isinstance(breakdown, dict):
            return []
        return [
            prop for prop in self.liveness_failed
            if isinstance(breakdown.get(prop), dict)
            and breakdown[prop].get("honest_failures") == 0
            and (breakdown[prop].get("frozen_by_theft") or 0) > 0
        ]

    @property
    def honest_liveness_failed(self) -> list[str]:
        """Failed liveness properties with an honest transfer stuck that no theft explains."""
        by_theft = self.liveness_by_theft
        return [prop for prop in self.liveness_failed if prop not in by_theft]

    @property
    def liveness_unknown(self) -> list[str]:
        return sorted(
            p for p, v in self.verdicts.items() if p.startswith("liveness.") and v == "unknown"
        )

    @property
    def exit_code(self) -> int:
        """As `bridgelab run` exits: 0 pass, 1 a property failed, 2 inconclusive."""
        if any(v == "fail" for v in self.verdicts.values()):
            return 1
        return 2 if self.inconclusive else 0

    @property
    def verdict(self) -> str:
        if not self.usable:
            return "unverified"
        return {0: "pass", 1: "fail", 2: "inconclusive"}[self.exit_code]

    # -- outcome ----------------------------------------------------------------------------

    @property
    def outcome(self) -> dict[str, Any]:
        return self.metrics.get("outcome") or {}

    @property
    def loss(self) -> int:
        """Value extracted: escrowed funds that left to the adversary."""
        return int(self.outcome.get("value_extracted") or 0)

    @property
    def unbacked_peak(self) -> int:
        return int(self.outcome.get("unbacked_minted_peak") or 0)

    @property
    def unbacked_final(self) -> int:
        return int(self.outcome.get("unbacked_minted_final") or 0)

    # -- what was run -----------------------------------------------------------------------

    @property
    def attacks(self) -> list[dict[str, Any]]:
        return list((self.config or {}).get("attacks") or [])

    @property
    def attack_kinds(self) -> list[str]:
        return [attack["kind"] for attack in self.attacks]

    @property
    def family(self) -> str:
        kinds = self.attack_kinds
        if not kinds:
            return "none" if self.config is not None else "unknown"
        for prefix, family in FAMILIES:
            if kinds[0].startswith(prefix):
                return family
        return kinds[0].split(".")[0]

    @property
    def attacked(self) -> bool:
        return bool(self.attack_kinds)

    @property
    def custody(self) -> dict[str, Any]:
        return self.metrics.get("custody") or {}

    @property
    def scheme(self) -> str:
        scheme = self.custody.get("scheme")
        if scheme:
            return str(scheme)
        return str(((self.config or {}).get("committee") or {}).get("custody", "unknown"))

    @property
    def is_incident(self) -> bool:
        if self.parameters.get("incident"):
            return True
        path = self.scenario_path or ""
        return "incidents" in Path(path).parts or self.scenario.endswith("-defended")

    def config_key(self) -> str:
        """Identifies the bridge configuration (committee, custody, contracts, defences)."""
        if self.config is None:
            return "unknown:" + self.scheme
        committee = self.config.get("committee") or {}
        subset = {key: committee.get(key) for key in CONFIG_COMMITTEE_KEYS}
        subset.update({section: self.config.get(section) for section in CONFIG_SECTIONS})
        subset["relayers"] = (self.config.get("relayers") or {}).get("count")
        return _digest(subset)

    def attack_key(self) -> str:
        """Identifies the attack (kinds, targets, schedules, parameters; not the names)."""
        attacks = [{k: v for k, v in a.items() if k != "name"} for a in self.attacks]
        l2 = bool(((self.config or {}).get("l2") or {}).get("enabled"))
        return _digest({"attacks": attacks, "l2": l2, "unknown": self.config is None})

    def attack_label(self) -> str:
        if self.parameters.get("attack"):
            return str(self.parameters["attack"])
        if self.config is None:
            return "unknown attack"
        attacks = self.attacks
        if not attacks:
            return "none (honest traffic)"
        if all(a.get("name") for a in attacks):
            label = " + ".join(str(a["name"]) for a in attacks)
        else:
            label = " + ".join(str(a["kind"]) for a in attacks)
        if ((self.config.get("l2") or {}).get("enabled")) and "l2" not in label.lower():
            label += " (L2)"
        return label

    def evidence(self) -> dict[str, Any]:
        """How a report cites this run."""
        return {
            "run": self.id,
            "scenario": self.scenario,
            "seed": self.seed,
            "campaign": self.campaign,
            "reproduce": self.reproduce,
            "verdict": self.verdict,
        }


def _digest(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def slug(text: str, limit: int = 40) -> str:
    """A fragment-safe id part: lower-case letters, digits and dashes."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return cleaned[:limit].strip("-") or "run"


def run_id(scenario: str, seed: int, origin: str) -> str:
    tag = hashlib.sha256(origin.encode()).hexdigest()[:6]
    return f"{slug(scenario)}-s{seed}-{tag}"


# -- reproduce commands ------------------------------------------------------------------------


def reproduce_command(scenario_path: str | Path, seed: int) -> str:
    return f"bridgelab run {shlex.quote(str(scenario_path))} --seed {seed}"


def parse_reproduce(command: str) -> tuple[str, int] | None:
    """(scenario path, seed) from `bridgelab run PATH --seed N`, or None."""
    try:
        tokens = shlex.split(command)
    except ValueError:
        return None
    if "run" not in tokens:
        return None
    rest = tokens[tokens.index("run") + 1:]
    path: str | None = None
    seed = 1
    index = 0
    while index < len(rest):
        token = rest[index]
        if token == "--seed" and index + 1 < len(rest):
            try:
                seed = int(rest[index + 1])
            except ValueError:
                return None
            index += 2
            continue
        if token.startswith("--seed="):
            try:
                seed = int(token.split("=", 1)[1])
            except ValueError:
                return None
        elif token.startswith("--"):
            index += 2 if token in ("--out", "--signatures") else 1
            continue
        elif path is None:
            path = token
        index += 1
    return (path, seed) if path else None


# -- scenarios ---------------------------------------------------------------------------------


class ScenarioFiles:
    """Scenario files named by reproduce commands, each loaded once, with its hash. Used only
    to choose which command to print: a run's verdict never rests on these files."""

    def __init__(self) -> None:
        self._hashes: dict[str, str | None] = {}

    def hash_of(self, path: str) -> str | None:
        if path not in self._hashes:
            self._hashes[path] = self._load(path)
        return self._hashes[path]

    @staticmethod
    def _load(path: str) -> str | None:
        from bridgelab.evidence import MAX_SCENARIO_BYTES
        from bridgelab.scenario import load_scenario
        from bridgelab.scenario.load import scenario_hash

        # The path comes from a saved reproduce command: only a regular file of a scenario's
        # size is read (never a device, a pipe or a huge file someone named there).
        try:
            file = Path(path)
            if not file.is_file() or file.stat().st_size > MAX_SCENARIO_BYTES:
                return None
            return scenario_hash(load_scenario(file))
        except Exception:  # any refusal of the loader: the recorded command is not used
            return None


def _display(path: Path) -> str:
    """Relative to the working directory when under it: commands stay short and portable."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def attach_reproduce(record: RunRecord, directory: Path, files: ScenarioFiles) -> None:
    """Give a verified run a command that replays it: the recorded one while the scenario it
    names still has the run's hash, else one naming the run's own scenario.toml."""
    from bridgelab.evidence import SCENARIO

    parsed = parse_reproduce(record.reproduce) if record.reproduce else None
    if parsed is not None:
        record.scenario_path = parsed[0]
    if not record.usable:
        return
    digest = record.fingerprint.get("scenario_hash")
    if parsed is None or files.hash_of(parsed[0]) != digest:
        record.reproduce = reproduce_command(_display(directory / SCENARIO), record.seed)
    record.reproducible = True


# -- loading -----------------------------------------------------------------------------------


def record_from_results(
    data: dict[str, Any], origin: str, results_path: Path | None = None
) -> RunRecord:
    """The record of a results.json whose shape was checked (`evidence.results_problems`)."""
    fingerprint = data.get("fingerprint") or {}
    scenario = str(fingerprint.get("scenario", "unnamed"))
    seed = int(fingerprint.get("seed", 0))
    history = None
    if results_path is not None and (results_path.parent / "history.jsonl").exists():
        history = _display(results_path.parent / "history.jsonl")
    campaign = data.get("campaign")
    if isinstance(campaign, dict):
        campaign = campaign.get("name")
    return RunRecord(
        id=run_id(scenario, seed, origin),
        scenario=scenario,
        seed=seed,
        verdicts=dict(data.get("verdicts") or {}),
        metrics=dict(data.get("metrics") or {}),
        violations=list(data.get("violations") or []),
        inconclusive=list(data.get("inconclusive") or []),
        fingerprint=dict(fingerprint),
        reproduce=data.get("reproduce"),
        campaign=campaign,
        parameters=dict(data.get("parameters") or {}),
        history_path=history,
        results_path=_display(results_path) if results_path is not None else None,
    )


def _interrupted(directory: Path, problem: str) -> RunRecord:
    """A run directory with no usable results.json: named from its history's first event."""
    from bridgelab.evidence import HISTORY, first_record

    history = directory / HISTORY
    start = first_record(history) if history.is_file() else {}
    scenario = start.get("scenario")
    scenario = scenario[:200] if isinstance(scenario, str) and scenario else directory.name
    seed = start.get("seed")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else 0
    digest = start.get("scenario_hash")
    return RunRecord(
        id=run_id(scenario, seed, str(directory.resolve())),
        scenario=scenario,
        seed=seed,
        verdicts={},
        metrics={},
        fingerprint={"scenario": scenario, "seed": seed,
                     "scenario_hash": digest if isinstance(digest, str) else None},
        history_path=_display(history) if history.is_file() else None,
        results_path=_display(directory / "results.json"),
        problems=[problem],
    )


RUN_KEYS = frozenset({"verdicts", "complete", "fingerprint", "history"})


def load_run_dir(directory: Path, files: ScenarioFiles | None = None) -> RunRecord | None:
    """The run in `directory`, verified; None if the directory holds no run at all.

    Whatever the files hold, the answer is a record (usable, or with its problems) or None:
    a results.json that cannot be read or is not shaped as a run writes it makes the run
    unusable, named from its history's first event."""
    from bridgelab.evidence import (
        HISTORY,
        RESULTS,
        SCENARIO,
        read_results,
        results_problems,
        verify_run_dir,
    )

    results_path = directory / RESULTS
    beside = (directory / HISTORY).is_file() or (directory / SCENARIO).is_file()
    if not results_path.exists():
        if beside:
            return _interrupted(directory, "incomplete run (a history without results.json)")
        return None
    data, problem = read_results(results_path)
    if data is None:
        return _interrupted(directory, problem or "results.json unreadable")
    if not beside and not (RUN_KEYS & set(data)):
        return None  # some other results.json, not a run's
    problems = results_problems(data)
    if problems:
        return _interrupted(directory, problems[0])
    record = record_from_results(data, str(results_path.resolve()), results_path)
    verified = verify_run_dir(directory, data)
    record.problems = verified.problems
    record.config = verified.config if verified.ok else None
    attach_reproduce(record, directory, files or ScenarioFiles())
    return record



def load_directory(root: Path, files: ScenarioFiles | None = None) -> list[RunRecord]:
    """Every run under `root`: each directory holding a results.json or a history.jsonl."""
    files = files or ScenarioFiles()
    directories = {path.parent for path in root.rglob("results.json")}
    directories |= {path.parent for path in root.rglob("history.jsonl")}
    records = []
    for directory in sorted(directories):
        record = load_run_dir(directory, files)
        if record is None:
            continue
        # A directory of runs is its own campaign: cite it by its path.
        record.campaign = record.campaign or _display(root)
        records.append(record)
    return records


def is_store(path: Path) -> bool:
    """An SQLite file (or an empty one, which `load_store` refuses as a truncated store)."""
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return header in (SQLITE_MAGIC, b"") or (path.suffix in (".sqlite", ".db") and bool(header))


def load_records(
    sources: Iterable[Path], on_record: Callable[[int], None] | None = None
) -> list[RunRecord]:
    """Runs from each source: a campaign store (SQLite) or a directory of run outputs."""
    records: list[RunRecord] = []
    files = ScenarioFiles()
    for source in sources:
        if is_store(source):
            from bridgelab.campaign.store import StoreError
            from bridgelab.report.store import load_store

            try:
                loaded = load_store(source)
            except StoreError as error:
                raise RecordError(str(error)) from None
        elif source.is_dir():
            loaded = load_directory(source, files)
        else:
            raise RecordError(
                f"{source}: expected a campaign store (SQLite file) or a directory of run"
                " outputs (**/results.json), found "
                + ("nothing" if not source.exists() else "another kind of file")
            )
        records.extend(loaded)
        if on_record is not None:
            on_record(len(records))
    seen: set[str] = set()
    unique = []
    for record in records:
        if record.id not in seen:
            seen.add(record.id)
            unique.append(record)
    return unique
