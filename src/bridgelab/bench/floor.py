"""The crypto floor: which signature operations a run makes and what each costs, in CPU time.

A run's floor is the CPU time inside its outermost cryptographic calls; what the model adds on
top (events, records, checks) is the run's CPU time above it. Instrumentation slows a run, so
an instrumented run is never a timed one: its own CPU time serves only its actual/floor, where
the wrapper's cost counts against the model (the ratio can only read high).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class CryptoLedger:
    """Calls and CPU seconds per operation, counting only the outermost call of a nest
    (a symbolic BLS operation calls real arkworks operations inside)."""

    calls: dict[str, int] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    depth: int = 0

    def reset(self) -> None:
        self.calls.clear()
        self.cpu_seconds.clear()

    def timed(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.depth += 1
            started = time.process_time()  # CPU time: benchmark instrumentation
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    spent = time.process_time() - started
                    self.calls[name] = self.calls.get(name, 0) + 1
                    self.cpu_seconds[name] = self.cpu_seconds.get(name, 0.0) + spent

        return wrapper

    def total_cpu(self) -> float:
        return sum(self.cpu_seconds.values())

    def per_transfer(self, transfers: int) -> dict[str, dict[str, float]]:
        """Operations per transfer and microseconds per operation, by operation."""
        share = max(transfers, 1)
        return {
            name: {"per_transfer": round(self.calls[name] / share, 3),
                   "us_each": round(1e6 * self.cpu_seconds[name] / self.calls[name], 1)}
            for name in sorted(self.calls)
        }


LEDGER = CryptoLedger()
_INSTRUMENTED: list[bool] = []  # non-empty once the crypto calls are wrapped


def instrument() -> CryptoLedger:
    """Wrap every signing, verifying, combining and hashing-to-curve call, real or symbolic."""
    # The checker's module first: its private memos take the raw functions at import, which
    # must be the library's, not the wrappers below.
    from bridgelab.checker import agreement, policy  # noqa: F401
    from bridgelab.core import memo
    from bridgelab.crypto import ed25519, secp256k1, symbolic
    from bridgelab.crypto.bls import backend

    if _INSTRUMENTED:
        return LEDGER
    _INSTRUMENTED.append(True)
    wraps: list[tuple[Any, str, str]] = [
        (ed25519.Ed25519Signer, "sign", "ed25519.sign"),
        (secp256k1.EcdsaSigner, "sign_digest", "ecdsa.sign"),
        (symbolic.SymbolicEcdsaSigner, "sign_digest", "ecdsa.sign"),
        (symbolic.SymbolicEd25519Signer, "sign", "ed25519.sign"),
        # The computations behind the memos (`core/memo.py`): only a miss runs them.
        (ed25519.verify.memo, "function", "ed25519.verify"),
        (symbolic.recover_signer.memo, "function", "ecdsa.recover"),
        (symbolic, "symbolic_ed25519_verify", "ed25519.verify"),
    ]
    bls_types = [backend.ArkworksBackend, backend.PyEccBackend, symbolic.SymbolicBackend,
                 backend.get_backend("blst").__class__]
    for cls in bls_types:
        for name in ("sign", "verify", "g2_lincomb", "g1_lincomb", "g1_mul_gen", "pairing_check",
                     "hash_to_g2"):
            if name in vars(cls):
                wraps.append((cls, name, f"bls.{name}"))
    # The checker re-verifies every certificate from the history with its own memos
    # (`memo.private`): cryptography the run does, so part of its floor, listed apart.
    checker = {"checker/ecrecover": "checker.ecdsa.recover",
               "checker/bls-verify": "checker.bls.verify"}
    wraps += [(entry, "function", checker[entry.name])
              for entry in memo.registry() if entry.name in checker]
    # Its check of Byzantine validators' votes, on OpenSSL (the model's are on libsodium).
    wraps.append((agreement, "openssl_verify", "checker.ed25519.verify"))
    for owner, name, label in wraps:
        if hasattr(owner, name):
            setattr(owner, name, LEDGER.timed(label, getattr(owner, name)))
    return LEDGER
