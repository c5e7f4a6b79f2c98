"""bridgelab: a deterministic security and fault-injection testbed for cross-chain bridges."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_campaign"]


def load_campaign(store: Any, campaign: str | None = None) -> Any:
    """A stored campaign's runs as typed records (`bridgelab.campaign.table.CampaignResults`):
    `len(...)`, `.rows`, `.columns`, `.to_pandas()`, `.to_arrow()`; shown as a table in a
    notebook. Imported on first use, so `import bridgelab` stays cheap."""
    from bridgelab.campaign.table import load_campaign as load

    return load(store, campaign)
