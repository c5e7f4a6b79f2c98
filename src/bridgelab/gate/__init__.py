"""The CI gate: `bridgelab check` runs scenarios at fixed seeds, replays persisted failures,
self-checks determinism, and writes JUnit XML and a JSON summary."""
