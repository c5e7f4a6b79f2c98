"""Simulation core: seeded random streams, the event history, the network and the world."""
