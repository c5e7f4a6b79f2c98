"""Write your own properties: plain functions over recorded events, named in the scenario.

    from bridgelab.checker.api import always

    @always("mine.no-mint-over-1m", "No single mint exceeds 1,000,000.")
    def no_big_mint(event, view):
        if event.kind == "mint" and event.fields["amount"] > 1_000_000:
            return f"mint #{event.fields['nonce']} of {event.fields['amount']}"
        return None

and in the scenario: `[checks] properties = ["my_props:no_big_mint"]` (the module is looked
up next to the scenario file first). An `always` check returns None when the event is fine
or a sentence saying what is wrong; an `at_end` check gets only the ledger view. Only None
means fine: any other answer (False, 0, an empty string) is a violation, so a check written
as a predicate can never pass silently while its property is false.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

from bridgelab.exitcodes import describe
from bridgelab.scenario.errors import ScenarioError

UserKind = Literal["always", "at_end"]


@dataclass(frozen=True)
class UserProperty:
    id: str
    kind: UserKind
    statement: str
    check: Callable[..., str | None]


def always(id: str, statement: str) -> Callable[[Callable[[Any, Any], str | None]], UserProperty]:
    def wrap(function: Callable[[Any, Any], str | None]) -> UserProperty:
        return UserProperty(id, "always", statement, function)

    return wrap


def at_end(id: str, statement: str) -> Callable[[Callable[[Any], str | None]], UserProperty]:
    def wrap(function: Callable[[Any], str | None]) -> UserProperty:
        return UserProperty(id, "at_end", statement, function)

    return wrap


class PropertyLoadError(Exception):
    """A `[checks] properties` entry that does not give a property: bad input (exit 3)."""

    def __init__(self, index: int, reference: str, found: str) -> None:
        super().__init__(found)
        self.index = index
        self.reference = reference
        self.found = found

    def as_scenario_error(self, file: str) -> ScenarioError:
        """The same problem as the one-line error of `file` (escaped, cut to length)."""
        return ScenarioError(
            file, f"checks.properties.{self.index}",
            f"an importable property {self.reference!r}", self.found,
        )


# Modules `_import` loaded from a scenario's directory (the user's module and any module of
# that directory it imported in turn), with that directory: a later scenario's modules of the
# same names (two contracts' `adapter.py`, say, in one report or one worker) must be its
# own, not the first one's from the import cache.
_LOADED_FROM: dict[str, Path] = {}


def _import(module_name: str, base_dir: Path | None) -> ModuleType:
    """Import a user's module, the scenario's directory first on the path. Whatever the
    module does at import is the user's code: any exception it raises (a syntax error, a
    failed import of its own, `sys.exit`) is reported as the module's, never as ours."""
    base = None if base_dir is None else base_dir.resolve()
    for name in [name for name, loaded in _LOADED_FROM.items() if loaded != base]:
        sys.modules.pop(name, None)
        del _LOADED_FROM[name]
    if base is not None:
        for name in _shadowed_elsewhere(base):
            sys.modules.pop(name, None)
    before = set(sys.modules)
    added = False
    if base_dir is not None and str(base_dir) not in sys.path:
        sys.path.insert(0, str(base_dir))
        added = True
    try:
        return importlib.import_module(module_name)
    finally:
        if added:
            sys.path.remove(str(base_dir))
        if base is not None:
            _remember(sorted(set(sys.modules) - before), base)


def _shadowed_elsewhere(base: Path) -> list[str]:
    """Cached modules that `base` holds a module or package of the same top-level name for,
    loaded from somewhere else that is not Python's own or installed code (the working
    directory, say, or another scenario's directory before `_LOADED_FROM` knew it): with
    `base` first on the path, a fresh `import` would read `base`'s, so the cache must not
    answer instead."""
    try:
        entries = sorted(base.iterdir())
    except OSError:
        return []
    provided = {entry.stem for entry in entries
                if entry.suffix == ".py" and entry.is_file()}
    provided |= {entry.name for entry in entries if (entry / "__init__.py").is_file()}
    shadowed = []
    provided.discard("bridgelab")  # the tool itself is never the scenario's to replace
    for name in sorted(sys.modules):
        if name.partition(".")[0] not in provided:
            continue
        origin = getattr(sys.modules[name], "__file__", None)
        if origin is None or _installed(Path(origin).resolve()):
            continue
        if not Path(origin).resolve().is_relative_to(base):
            shadowed.append(name)
    return shadowed


def _installed(path: Path) -> bool:
    """Whether `path` is Python's own or installed code, which a scenario never replaces."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix)}
    return any(path.is_relative_to(root.resolve()) for root in sorted(roots))


def _remember(names: list[str], base: Path) -> None:
    """Note which of the newly imported `names` came from the scenario's directory."""
    for name in names:
        origin = getattr(sys.modules.get(name), "__file__", None)
        if origin and Path(origin).resolve().is_relative_to(base):
            _LOADED_FROM[name] = base


def module_files(module_name: str, base_dir: Path) -> list[str]:
    """The files under `base_dir` that `import module_name` reads from it, relative: the
    module and its packages' `__init__.py` (none for a module found elsewhere)."""
    base = base_dir.resolve()
    parts = module_name.split(".")
    inits = ("/".join(parts[:depth]) + "/__init__.py" for depth in range(1, len(parts)))
    found = [init for init in inits if (base / init).is_file()]
    stem = "/".join(parts)
    for candidate in (f"{stem}.py", f"{stem}/__init__.py"):
        if (base / candidate).is_file():
            found.append(candidate)
            break
    return found


def load_user_properties(references: list[str], base_dir: Path | None) -> list[UserProperty]:
    """Import each `module:attribute`; the module is searched next to the scenario first."""
    loaded: list[UserProperty] = []
    for index, reference in enumerate(references):
        module_name, _, attribute = reference.partition(":")
        try:
            module = _import(module_name, base_dir)
        except ModuleNotFoundError as error:
            missing = error.name or ""
            if module_name == missing or module_name.startswith(missing + "."):
                raise PropertyLoadError(index, reference, f"no module {error.name!r}") from None
            raise PropertyLoadError(
                index, reference, f"module {module_name!r} failed at import: {describe(error)}"
            ) from None
        except (Exception, SystemExit) as error:  # the user's code failed, not ours
            raise PropertyLoadError(
                index, reference, f"module {module_name!r} failed at import: {describe(error)}"
            ) from None
        value = getattr(module, attribute, None)
        if not isinstance(value, UserProperty):
            found = "nothing of that name" if value is None else type(value).__name__
            raise PropertyLoadError(
                index, reference,
                f"{found} in module {module_name!r} (decorate a function with @always or"
                " @at_end)",
            )
        loaded.append(value)
    return loaded


def check_user_properties(
    references: list[str], base_dir: Path | None, file: str
) -> list[UserProperty]:
    """`load_user_properties`, a failure being `file`'s bad input (`ScenarioError`, exit 3):
    for `validate` and campaigns, so a module that cannot load stops before anything runs."""
    try:
        return load_user_properties(references, base_dir)
    except PropertyLoadError as error:
        raise error.as_scenario_error(file) from None


def user_verdict(answer: object) -> str | None:
    """A user check's answer as a violation's detail, or None when the event is fine. Only
    None means fine: a check written as a predicate (`return amount <= cap`) answers False
    exactly when its property is false, and must not read as a pass."""
    if answer is None:
        return None
    if isinstance(answer, str) and answer:
        return answer
    return (
        f"the check returned {answer!r}; a check returns None when the event is fine, or a"
        " sentence saying what is wrong"
    )
