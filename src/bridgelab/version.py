"""The package's version, in a module of its own: the package root re-exports it, and modules
the root imports on first use (campaign/table.py) read it here without a circle through it."""

__version__ = "0.1.0"
