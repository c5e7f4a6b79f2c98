"""BLS12-381 operations behind one bytes-in/bytes-out interface, and the registry of
backends by name.

py_ecc (`backend_pyecc.py`) is the slow pure-Python reference; py_arkworks_bls12381
(`backend_arkworks.py`) is the default; blst (`backend_blst.py`) is the fastest. Callers see
only compressed points (bytes) and ints mod r (`interface.py`), so the backends are
interchangeable and cross-checkable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# The interface and the arkworks backend live beside this module; they are re-exported
# here, where the other backends and callers import them from.
from bridgelab.crypto.bls.backend_arkworks import ArkworksBackend
from bridgelab.crypto.bls.interface import (
    _LRU,
    CURVE_ORDER,
    DST,
    G1_BYTES,
    G1_IDENTITY,
    G2_BYTES,
    G2_IDENTITY,
    BLSBackend,
    InvalidPointError,
    _check_lengths,
    _check_sk,
)

__all__ = [
    "CURVE_ORDER",
    "DEFAULT_BACKEND",
    "DST",
    "G1_BYTES",
    "G1_IDENTITY",
    "G2_BYTES",
    "G2_IDENTITY",
    "_LRU",
    "ArkworksBackend",
    "BLSBackend",
    "InvalidPointError",
    "_check_lengths",
    "_check_sk",
    "available_backends",
    "get_backend",
    "resolve_backend",
]

DEFAULT_BACKEND = "arkworks"


def _pyecc_type() -> type[BLSBackend]:
    # py_ecc takes a third of a second to import: only runs that ask for it pay.
    from bridgelab.crypto.bls.backend_pyecc import PyEccBackend

    return PyEccBackend


def _symbolic_type() -> type[BLSBackend]:
    # NOT cryptography: the model-internal stand-in of `crypto/symbolic.py`, used only when a
    # scenario asks for `[committee] signatures = "symbolic"`.
    from bridgelab.crypto.symbolic import SymbolicBackend

    return SymbolicBackend


def _blst_type() -> type[BLSBackend]:
    from bridgelab.crypto.bls.backend_blst import BlstBackend

    return BlstBackend


_BACKEND_TYPES: dict[str, Callable[[], type[BLSBackend]]] = {
    "blst": _blst_type,
    "arkworks": lambda: ArkworksBackend,
    "py-ecc": _pyecc_type,
}
# Accepted by `get_backend` but not a real backend, so not in `available_backends()`.
_MODEL_BACKEND_TYPES: dict[str, Callable[[], type[BLSBackend]]] = {"symbolic": _symbolic_type}
_INSTANCES: dict[str, BLSBackend] = {}


def available_backends() -> tuple[str, ...]:
    """Names accepted by `get_backend`, fastest first."""
    return tuple(_BACKEND_TYPES)


def __getattr__(name: str) -> Any:
    if name == "PyEccBackend":
        return _pyecc_type()
    raise AttributeError(name)


def get_backend(name: str = DEFAULT_BACKEND) -> BLSBackend:
    """The shared backend instance for `name` ("blst", "arkworks" or "py-ecc"; or "symbolic").

    One instance per name so that its decode caches are shared across a run.
    """
    kind = _BACKEND_TYPES.get(name) or _MODEL_BACKEND_TYPES.get(name)
    if kind is None:
        raise ValueError(f"unknown BLS backend {name!r}; choose from {available_backends()}")
    backend = _INSTANCES.get(name)
    if backend is None:
        backend = _INSTANCES[name] = kind()()
    return backend


def resolve_backend(backend: BLSBackend | str | None) -> BLSBackend:
    """Accepts an instance, a name, or None (the fast default)."""
    if backend is None:
        return get_backend()
    if isinstance(backend, str):
        return get_backend(backend)
    return backend
