"""The files a scenario reads from its own directory, and copying them beside a copy of it.

A scenario may name files relative to itself: the user's own contract and its adapter
(`[settlement.contract_source]`) and the modules of its own properties (`[checks]
properties`). A scenario written elsewhere (a hunt's witness, a report's saved scenario)
replays only with those files beside it at the same relative paths, each the file the runs
read: copies are checked against the SHA-256 taken when the runs read them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bridgelab.checker.api import module_files
from bridgelab.safepaths import UnsafePathError, confined

if TYPE_CHECKING:  # annotations only: the models load when a scenario is read
    from bridgelab.scenario.model import Scenario


def names_files(config: Mapping[str, Any] | None) -> bool:
    """Whether a scenario (as data) reads files beside itself: the user's own contract or
    properties of its own (their modules are looked up in its directory first)."""
    if not config:
        return False
    settlement = config.get("settlement") or {}
    checks = config.get("checks") or {}
    return isinstance(settlement.get("contract_source"), dict) or bool(checks.get("properties"))


def named_files(scenario: Scenario, base_dir: Path) -> dict[str, str]:
    """Each file `scenario` reads from `base_dir`, by relative path, with its SHA-256. A
    contract file that is missing or outside the directory raises ScenarioError (bad input)."""
    files: dict[str, str] = {}
    source = scenario.settlement.contract_source
    if source is not None:
        # Only a scenario of the user's own contract needs the `evm` extra.
        from bridgelab.evm.byo import contract_files

        files.update(contract_files(source, base_dir))
    files.update(property_files(scenario.checks.properties, base_dir))
    return files


def property_files(references: list[str], base_dir: Path) -> dict[str, str]:
    """The files of `base_dir` that importing the modules of `[checks] properties` reads
    (each module and its packages' `__init__.py`), by relative path, with their SHA-256.
    Modules those import in turn are not followed: a copy carries the named ones only."""
    files: dict[str, str] = {}
    base = base_dir.resolve()
    for reference in references:
        for relative in module_files(reference.partition(":")[0], base):
            try:
                data = confined(base, base / relative).read_bytes()
            except (OSError, UnsafePathError):
                continue  # not one `import` reads from here: nothing to carry
            files[relative] = hashlib.sha256(data).hexdigest()
    return files


def copy_files(source: Path, folder: Path, files: Mapping[str, object]) -> bool:
    """Copy each of `files` from `source` into `folder` at the same relative path; False
    (and nothing kept) unless every copy has its recorded SHA-256 and stays inside both."""
    copied: list[Path] = []
    try:
        for relative, expected in sorted(files.items()):
            origin = confined(source, source / relative)
            target = confined(folder, folder / relative)
            data = origin.read_bytes()
            if not isinstance(expected, str) or hashlib.sha256(data).hexdigest() != expected:
                raise ValueError(f"{relative}: not the file the runs read")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            copied.append(target)
    except (OSError, ValueError, UnsafePathError):
        for target in copied:
            target.unlink()
        return False
    return True
