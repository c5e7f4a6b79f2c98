"""Cryptographic primitives: hashes, Merkle proofs, and the signature schemes the bridge uses."""
