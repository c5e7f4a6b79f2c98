"""Defences that act during a run: the independent watcher that challenges and pauses."""
