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
from typing import Any, Literal

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
    def __init__(self, index: int, reference: str, found: str) -> None:
        super().__init__(found)
        self.index = index
        self.reference = reference
        self.found = found


def load_user_properties(references: list[str], base_dir: Path | None) -> list[UserProperty]:
    """Import each `module:attribute`; the module is searched next to the scenario first."""
    loaded: list[UserProperty] = []
    for index, reference in enumerate(references):
        module_name, _, attribute = reference.partition(":")
        added = False
        if base_dir is not None and str(base_dir) not in sys.path:
            sys.path.insert(0, str(base_dir))
            added = True
        try:
            module = importlib.import_module(module_name)
        except ImportError as error:
            raise PropertyLoadError(index, reference, f"no importable module ({error})") from None
        finally:
            if added:
                sys.path.remove(str(base_dir))
        value = getattr(module, attribute, None)
        if not isinstance(value, UserProperty):
            raise PropertyLoadError(
                index, reference, "no property there (decorate it with @always or @at_end)"
            )
        loaded.append(value)
    return loaded
