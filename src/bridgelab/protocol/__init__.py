"""The bridge protocol as plain data and pure functions: messages, trust roots, the verifier."""
