"""bridgelab: a deterministic security and fault-injection testbed for cross-chain bridges."""

__version__ = "0.1.0"
