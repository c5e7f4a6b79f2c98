"""Key custody: who holds the committee's signing keys, and how endorsements become certificates."""
