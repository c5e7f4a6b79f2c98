"""Which run keys are a campaign's own: configurations × arms × seeds, held without listing them.

Every reader that counts a campaign's runs (its exit code, its statistics, the report) asks
this whether a stored row is one of them, so that a row under any other key, however real its
run, never fills a campaign's gap. The report has no campaign file: it rebuilds the keys from
the registration the store keeps, which it trusts only if it hashes to the campaign's hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bridgelab.campaign.runspec import run_key
from bridgelab.textsafe import printable

REGISTRATION_FORMAT = "bridgelab-campaign/v1"


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def campaign_digest(registration: dict[str, Any]) -> str:
    """A campaign's hash: of its format, bridgelab's version, its file and its base scenario."""
    return hashlib.sha256(canonical(registration).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class RunKeys:
    """The keys `run_key(config, arm, seed)` of one campaign; `len` is its number of runs."""

    configs: int
    arms: tuple[str, ...]
    seeds: Sequence[int]
    # A range answers `in` at once; a listed campaign's seeds are a set for it.
    seed_lookup: range | frozenset[int]

    @classmethod
    def of(cls, configs: int, arms: Iterable[str], seeds: Sequence[int]) -> RunKeys:
        lookup = seeds if isinstance(seeds, range) else frozenset(seeds)
        return cls(configs, tuple(arms), seeds, lookup)

    def __len__(self) -> int:
        return self.configs * len(self.arms) * len(self.seeds)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        parts = key.split("/")
        if len(parts) != 3:
            return False
        try:
            config_index, seed = int(parts[0][1:]), int(parts[2][1:])
        except ValueError:
            return False
        # Written back, the key must read the same: that rules out any other prefix, padding
        # or spelling of the numbers.
        return (0 <= config_index < self.configs and parts[1] in self.arms
                and seed in self.seed_lookup and run_key(config_index, parts[1], seed) == key)

    def among(self, keys: Iterable[object]) -> int:
        """How many of `keys` name a run of this campaign (a store may hold others)."""
        return sum(1 for key in keys if key in self)


def read_registration(campaign_hash: object, total_runs: object, registration: object
                      ) -> tuple[Any, dict[str, Any], RunKeys] | str:
    """(the campaign file, the registration, its run keys) as the store registered them, or
    why they cannot be trusted: the registration must hash to the campaign's hash, read back
    as itself and expand to the campaign's number of runs."""
    from pydantic import ValidationError

    from bridgelab.campaign.schema import CampaignFile

    try:
        data = json.loads(registration) if isinstance(registration, str) else None
    except (ValueError, RecursionError):
        return "its registration in the store is not JSON"
    if data is None:
        return "its registration in the store is not JSON"
    if not isinstance(data, dict) or data.get("format") != REGISTRATION_FORMAT:
        return ("its registration in the store predates run-key checks (run it again with"
                " `bridgelab campaign --fresh`)")
    try:
        if campaign_digest(data) != campaign_hash:
            return "its registration in the store does not hash to the campaign's hash"
    except (ValueError, RecursionError):
        return "its registration in the store cannot be hashed"
    dumped = data.get("campaign")
    try:
        # The dump writes every unset field as null, which a campaign file may not say.
        spec = CampaignFile.model_validate(_without_nulls(dumped))
        faithful = spec.model_dump(mode="json") == dumped
    except (ValidationError, ValueError, TypeError, RecursionError):
        return "its registration in the store is not a valid campaign file"
    if not faithful:
        return "its registration in the store does not read back as the campaign it records"
    keys = RunKeys.of(spec.sweep.configurations(),
                      (arm.name for arm in spec.attacks) if spec.attacks else ("base",),
                      spec.campaign.seed_sequence())
    if type(total_runs) is not int or len(keys) != total_runs:
        return (f"its registration expands to {len(keys):,} runs, not the"
                f" {printable(total_runs, 20)} the store records")
    if not isinstance(data.get("base"), dict):
        return "its registration in the store has no base scenario"
    return spec, data, keys


def registered_campaign(entry: dict[str, Any]) -> Any:
    """The campaign a store registered (`Store.campaigns(spec=True)`'s entry), rebuilt from
    its registration without its files (a `Campaign`), or why that cannot be trusted."""
    from bridgelab.campaign.spec import Campaign, _configs

    read = read_registration(entry.get("campaign_hash"), entry.get("total_runs"),
                             entry.get("spec"))
    if isinstance(read, str):
        return read
    spec, registration, _ = read
    path = Path(str(entry.get("file")))
    return Campaign(path, spec, registration["base"], path.parent,
                    hash=str(entry["campaign_hash"]), registration=registration,
                    configs=_configs(spec.sweep))


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
