"""The bridge contract's flaw variants, generated from one Vyper source.

`contracts/bridge.vy` marks each flaw's section with `#@ if FLAW`, `#@ if not FLAW`, `#@ else`
and `#@ endif` lines (no nesting). A variant keeps the sections its flaws select and blanks
the rest, so line numbers stay those of the source and a reviewer can diff two variants.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import cache
from importlib import resources

# The `[bridge] flaws` switches that live in the settlement contract or its verifier. The
# others are committee software (`foreign_contract_events`, `foreign_burn_events`: the
# members endorse what they should refuse, and the contract checks a genuine quorum), the
# escrow on the consortium chain (`lock_event_without_transfer`) or have no contract
# behaviour in the model (`replay_protection_disabled`): their variant is the correct
# contract, and EVM mode runs them with it (tests/evm/test_evm_mode.py).
CONTRACT_FLAWS = (
    "duplicate_signers_counted",
    "skip_verification_if_empty",
    "signer_list_from_caller",
    "required_members_unchecked",
    "zero_root_trusted",
    "arbitrary_message_calls",
    "proof_leaf_unbound",
)
# The other switches, whose contract is the correct one (see above). Every `[bridge] flaws`
# name is in exactly one of the two lists (tests/evm/test_evm_flaws.py).
NON_CONTRACT_FLAWS = (
    "replay_protection_disabled",
    "foreign_contract_events",
    "lock_event_without_transfer",
    "foreign_burn_events",
)
SOURCE_NAME = "bridge.vy"
_DIRECTIVE = "#@"


class VariantError(ValueError):
    """A malformed conditional section in the contract source."""


@cache
def base_source() -> str:
    return resources.files("bridgelab.evm.contracts").joinpath(SOURCE_NAME).read_text("utf-8")


def contract_flaws(flaws: Iterable[str]) -> tuple[str, ...]:
    """The flaws of `flaws` that change the contract, in CONTRACT_FLAWS order."""
    wanted = set(flaws)
    return tuple(flaw for flaw in CONTRACT_FLAWS if flaw in wanted)


def variant_source(flaws: Iterable[str] = ()) -> str:
    """The contract with exactly the sections of `flaws` switched on."""
    return render(base_source(), contract_flaws(flaws))


def render(source: str, flaws: tuple[str, ...]) -> str:
    enabled = set(flaws)
    out: list[str] = []
    # None outside a section; else whether the current branch is kept.
    keep: bool | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if not stripped.startswith(_DIRECTIVE):
            out.append(line if keep is not False else "")
            continue
        words = stripped[len(_DIRECTIVE):].split()
        keep = _directive(words, keep, enabled, number)
        out.append("")
    if keep is not None:
        raise VariantError(f"{SOURCE_NAME}: a section is never closed with '#@ endif'")
    return "\n".join(out) + "\n"


def _directive(words: list[str], keep: bool | None, enabled: set[str], number: int) -> bool | None:
    where = f"{SOURCE_NAME}:{number}"
    if words[:1] == ["if"]:
        if keep is not None:
            raise VariantError(f"{where}: sections do not nest")
        negated = words[1:2] == ["not"]
        names = words[2:] if negated else words[1:]
        if len(names) != 1 or names[0] not in CONTRACT_FLAWS:
            raise VariantError(f"{where}: expected '#@ if [not] FLAW', found {words}")
        return (names[0] in enabled) != negated
    if words == ["else"] and keep is not None:
        return not keep
    if words == ["endif"] and keep is not None:
        return None
    raise VariantError(f"{where}: unexpected directive {words}")


def source_hash(source: str) -> str:
    return hashlib.sha256(source.encode("utf-8")).hexdigest()
