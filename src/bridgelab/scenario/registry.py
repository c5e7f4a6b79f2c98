"""What the scenario schema accepts by name, registered by the packages that define it.

The schema sits below the attack catalogue (nemesis/specs.py) and the checker's probes
(checker/properties.py): they register here when imported. The package root names them as
providers, imported on the first lookup, so validation knows every kind and probe without
importing upward, and a command that never reads a scenario (`--help`) never pays for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping
from typing import Any, Protocol


class AttackKind(Protocol):
    """What validation needs of one attack kind."""

    @property
    def params(self) -> Any: ...  # a `Strict` model of the kind's parameters

    @property
    def target_role(self) -> str: ...

    @property
    def real_signatures(self) -> bool: ...


_attack_kinds: dict[str, AttackKind] = {}
_probes: dict[str, None] = {}
_providers: list[str] = []  # modules that register on import, not imported yet


def provide(module: str) -> None:
    """Name a module that registers kinds or probes when imported; it is imported at the
    first lookup."""
    if module not in _providers:
        _providers.append(module)


def _load_providers() -> None:
    while _providers:
        importlib.import_module(_providers.pop(0))


def register_attack_kinds(kinds: Mapping[str, AttackKind]) -> None:
    """Add attack kinds; a kind registered twice must be the same one."""
    for name, kind in kinds.items():
        registered = _attack_kinds.setdefault(name, kind)
        assert registered is kind, f"attack kind {name!r} registered twice"


def register_probes(ids: Iterable[str]) -> None:
    for probe in ids:
        _probes[probe] = None


def attack_kind(name: str) -> AttackKind | None:
    _load_providers()
    return _attack_kinds.get(name)


def attack_kinds() -> list[str]:
    _load_providers()
    return list(_attack_kinds)


def probe_ids() -> list[str]:
    """Every registered coverage probe, in registration order."""
    _load_providers()
    return list(_probes)
