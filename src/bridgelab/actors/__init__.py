"""Off-chain actors: the relayers that carry messages and the PTC committee that endorses them."""
