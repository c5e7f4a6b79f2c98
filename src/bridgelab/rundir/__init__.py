"""A run directory read back as untrusted input: its files, its history, its verification.

`bridgelab.evidence` writes run directories and re-exports what is read here, so callers
may import either.
"""
