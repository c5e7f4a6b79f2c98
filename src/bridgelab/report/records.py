"""Run records: one per simulated run, from a campaign store or a directory of run outputs.

A record carries what the report needs and nothing it must guess: the scenario and seed, the
command that reproduces the run, the campaign it belongs to, its verdicts and metrics, where its
history is, and the scenario itself as data. Every record is checked as evidence first
(`bridgelab.evidence`): the run completed, its history is there and hashes to what the run
recorded, and its own scenario (the run directory's scenario.toml, or the one the campaign
store keeps) validates and hashes to the run's fingerprint, and every figure of its metrics
the run derived from its history (the outcome, the liveness breakdown, latencies, custody) is
the one the checker's folds give that history again (`rundir.verify.metric_problems`). A
record that fails is kept, with its `problems`, so that the report names it instead of
silently leaving it out. Records are loaded (and verified) by `report.loading`.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    ("consortium.", "Byzantine validators"),
)
KEY_FAMILY = "key compromise"
BYZANTINE_FAMILY = "Byzantine validators"


# Attack kinds that act on the NAV feed a lending market reads, not on the bridge.
FEED_ATTACKS = "oracle."


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
    # The directory the files its scenario names were read from (the user's contract,
    # `[settlement.contract_source]`, and property modules, `[checks] properties`; relative
    # paths): the campaign's base directory, when still known. None for other runs.
    scenario_dir: str | None = None
    # The code hash of the contract an EVM-mode run deployed, from its history's
    # `contract.deployed` event (`loading.read_deployed_code`): two versions of one file
    # are two bridges.
    deployed_code: str | None = None
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
        followed it, or an escrow it drained), as the run's `metrics.liveness` classifies them
        (held to the history's classification when the run is verified); without it, none."""
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
        """What was stolen and how fast it was noticed (`checker/outcome.py`): a usable run's
        is the history's, re-derived when it was verified."""
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
        """An attack on the bridge is configured and a round of an attack started
        (`fault.start` counted, a count the run's verification holds to its history): a run
        whose attacks were all scheduled past its end, or waited for a transfer that never
        came, tested none. Results without the count cannot show an attack ran. Attacks on
        the NAV feed (`oracle.*`) act on no contract, member, relayer or chain of the bridge:
        a run with only those tested none of it."""
        if all(kind.startswith(FEED_ATTACKS) for kind in self.attack_kinds):
            return False  # no attack at all, or only on the NAV feed
        counts = self.metrics.get("events_by_kind")
        return isinstance(counts, dict) and bool(counts.get("fault.start"))

    @property
    def tested(self) -> bool:
        """Attacked, and the run shows something about safety: it broke, or nothing made it
        inconclusive (an attack that put nothing to the bridge makes a run inconclusive even
        when a liveness failure gives it exit 1)."""
        return self.attacked and not self.inconclusive_on_safety

    @property
    def inconclusive_on_safety(self) -> bool:
        """Safety did not fail, and the run cannot say it held: it ended inconclusive
        (exit 2), or a reason that bears on safety stands beside a failure of liveness
        (exit 1; reasons about liveness alone, "liveness.… is unknown: …", do not)."""
        return not self.safety_failed and (self.exit_code == 2 or any(
            not reason.startswith("liveness.") for reason in self.inconclusive))

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
        """An incident replay or its `-defended` twin, as its own scenario says
        (`[scenario] incident`): the replays stay out of the headline (they are meant to
        break). Only the verified scenario decides: the folder a reproduce command names, or
        a results.json, could move a failing run out of the headline."""
        meta = (self.config or {}).get("scenario") or {}
        return meta.get("incident") is True

    def config_key(self) -> str:
        """Identifies the bridge configuration (committee, custody, contracts, defences)."""
        if self.config is None:
            return "unknown:" + self.scheme
        committee = self.config.get("committee") or {}
        subset = {key: committee.get(key) for key in CONFIG_COMMITTEE_KEYS}
        subset.update({section: self.config.get(section) for section in CONFIG_SECTIONS})
        subset["relayers"] = (self.config.get("relayers") or {}).get("count")
        settlement = self.config.get("settlement") or {}
        if settlement.get("contract", "model") != "model":
            # A contract of the user's is the bridge under test: which one, and which code.
            subset["contract"] = {"kind": settlement.get("contract"),
                                  "source": settlement.get("contract_source"),
                                  "code": self.deployed_code}
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


def display_path(path: Path) -> str:
    """Relative to the working directory when under it: commands stay short and portable."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


