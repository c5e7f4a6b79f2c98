"""The Ethereum-like settlement chain: slots, a mempool, finality, and the bridge contract."""
