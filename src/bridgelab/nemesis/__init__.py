"""Nemesis: faults and adversaries — what, whom, when, and how it heals."""
