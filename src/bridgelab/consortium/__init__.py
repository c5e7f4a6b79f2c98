"""The permissioned consortium chain: BFT validators, blocks with event roots, the escrow."""
