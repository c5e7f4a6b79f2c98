"""Named random streams derived from one root seed.

Each component draws from its own stream so adding a draw in one place never shifts another's.
"""

from __future__ import annotations

import hashlib
import random


def derive_seed(root_seed: int, path: str) -> int:
    """A 256-bit seed for `path`, independent of PYTHONHASHSEED and of other paths."""
    material = f"bridgelab/stream/v1/{root_seed}/{path}".encode()
    return int.from_bytes(hashlib.sha256(material).digest(), "big")


class Streams:
    """Hands out one `random.Random` per component path, created on first use."""

    def __init__(self, root_seed: int) -> None:
        self.root_seed = root_seed
        self._streams: dict[str, random.Random] = {}

    def get(self, path: str) -> random.Random:
        stream = self._streams.get(path)
        if stream is None:
            stream = random.Random(derive_seed(self.root_seed, path))
            self._streams[path] = stream
        return stream

    def secret_bytes(self, path: str, length: int = 32) -> bytes:
        """Key material for `path`: deterministic per seed, never logged."""
        return self.get(f"keys/{path}").getrandbits(8 * length).to_bytes(length, "big")
