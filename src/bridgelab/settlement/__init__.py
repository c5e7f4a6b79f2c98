"""The Ethereum-like settlement chain and its bridge contract.

transactions    the records (one envelope and `Fee` bid each)
mempool         what waits, with counts for the lookups relayers and users make
fees            EIP-1559 arithmetic, the proposer's choice of bids, background demand
bridge_contract the bridge contract's state and its pure transitions (`process_*`)
execution       one executor per transaction type, the undo journal a reorg replays
records         what the history says about each outcome
chain           slots, blocks, reorgs, finality, pushes to relayers
"""
