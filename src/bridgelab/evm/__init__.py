"""The settlement bridge contract as EVM bytecode: Vyper source, its flaw variants, an
in-process EVM (py-evm's Prague VM or revm, evm/machine.py) and `EvmBridge`, the model's
transitions run on chain.

Needs the optional extra: `pip install 'bridgelab[evm]'`.
"""

from __future__ import annotations

try:
    import eth  # noqa: F401  (py-evm)
    import eth_abi  # noqa: F401
    import vyper  # noqa: F401
except ImportError as _missing:  # pragma: no cover - exercised without the extra
    raise ImportError(
        f"bridgelab.evm needs the 'evm' extra ({_missing.name} is missing): "
        "pip install 'bridgelab[evm]'"
    ) from None

from bridgelab.evm.abi import Unrepresentable
from bridgelab.evm.bridge import EvmBridge
from bridgelab.evm.variants import CONTRACT_FLAWS

__all__ = ["CONTRACT_FLAWS", "EvmBridge", "Unrepresentable"]
