"""bridgelab: a deterministic security and fault-injection testbed for cross-chain bridges."""

__version__ = "0.1.0"

# The scenario schema validates attack kinds and coverage probes through its registry
# (scenario/registry.py); the modules that define them register on import, here, so any use of
# the package can validate a scenario. (After `__version__`: these import modules that read it.)
from bridgelab.checker import properties as _properties  # noqa: F401
from bridgelab.nemesis import specs as _specs  # noqa: F401
