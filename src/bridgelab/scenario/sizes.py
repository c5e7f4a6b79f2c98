"""Upper bounds on the sizes of a scenario, each with the reason it cannot be larger.

Shared by the schema's sections and by the attacks' parameters (`nemesis/params.py`).
"""

from __future__ import annotations

from bridgelab.scenario.base import Count

# Root seeds: a scenario's `[scenario] seed`, a campaign's seeds and every --seed flag.
MAX_SEED = 2**64 - 1
SEED_WHY = "seeds are 64-bit"
MAX_MEMBERS = 1_000
MEMBERS_WHY = (
    "every member checks and signs every message, and a threshold-BLS key generation costs"
    " members squared"
)
MAX_BLS_MEMBERS = 256
MAX_VALIDATORS = 100
MAX_RELAYERS = 100
MAX_QUEUE = 10_000_000
QUEUE_WHY = "memory: every pending item is held until it is taken"
MAX_USERS = 100_000
MAX_TRANSFERS = 10_000_000
TRANSFERS_WHY = "each transfer is several events; ten million already take hours"
MAX_GWEI = 1e6
GWEI_WHY = "a million gwei per gas is far above any fee a real chain has seen"
MAX_GAS_LIMIT = 1_000_000_000
# Background bundles arriving per slot on average, at the peak of all spikes together.
MAX_BUNDLES_PER_SLOT = 10_000
MAX_SPIKES = 1_000
MAX_LINKS = 1_000
MAX_SCRIPTED = 100_000
MAX_ENTITIES = MAX_MEMBERS
MAX_DELEGATIONS = 10_000
MAX_ATTACKS = 100
MAX_ROUNDS = 10_000
MAX_NODES = MAX_VALIDATORS + MAX_MEMBERS + MAX_RELAYERS + 1


def MemberId(what: str = "a committee member id") -> object:
    return Count(what, 0, MAX_MEMBERS - 1, f"a committee has at most {MAX_MEMBERS:,} members")
