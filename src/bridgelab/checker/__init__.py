"""Checkers: pure functions over the recorded history — properties, verdicts and metrics."""
