"""Optional dependencies: the heavy parts of bridgelab are extras, and say so when missing.

The core (run, check, hunt, campaign, report, show) installs small; plots (matplotlib),
Parquet export (pyarrow) and the Dask runner (dask, distributed) are the extras `[plots]`,
`[parquet]` and `[dask]` (`[all]` for the three). A command that needs a missing one stops
with one line naming the extra to install, and exit 3, before it has written anything.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from bridgelab.exitcodes import EXIT_BAD_INPUT

# Each extra, and the modules it brings.
EXTRAS = {"plots": ("matplotlib",), "parquet": ("pyarrow",), "dask": ("dask", "distributed")}


class MissingExtra(Exception):
    """A feature whose optional dependency is not installed: bad input for this install."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional dependency {module}, not installed here:"
            f" pip install 'bridgelab[{extra}]' (or 'bridgelab[all]')"
        )


def available(extra: str) -> bool:
    """Whether every module of `extra` can be imported (without importing it)."""
    return all(importlib.util.find_spec(module) is not None for module in EXTRAS[extra])


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import `module` (a part of `extra`), or raise MissingExtra naming the extra."""
    assert module.split(".")[0] in EXTRAS[extra], f"{module} is not part of [{extra}]"
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtra(feature, extra, module.split(".")[0]) from None
