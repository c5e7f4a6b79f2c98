"""The starter project `bridgelab init` writes (its files are package data under files/)."""
