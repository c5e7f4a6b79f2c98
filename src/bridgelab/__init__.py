"""bridgelab: a deterministic security and fault-injection testbed for cross-chain bridges."""

from __future__ import annotations

from typing import Any

from bridgelab.version import __version__

__all__ = ["__version__", "load_campaign"]

# The scenario schema validates attack kinds and coverage probes through its registry
# (scenario/registry.py); the modules that define them register when imported, which the
# registry does at its first lookup: a command that reads no scenario never pays for them.
from bridgelab.scenario import registry as _registry

_registry.provide("bridgelab.checker.properties")
_registry.provide("bridgelab.nemesis.specs")


def load_campaign(store: Any, campaign: str | None = None) -> Any:
    """A stored campaign's runs as typed records (`bridgelab.campaign.table.CampaignResults`):
    `len(...)`, `.rows`, `.columns`, `.to_pandas()`, `.to_arrow()`; shown as a table in a
    notebook. Imported on first use, so `import bridgelab` stays cheap."""
    from bridgelab.campaign.table import load_campaign as load

    return load(store, campaign)

