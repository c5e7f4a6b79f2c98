"""Campaigns: sweeps × attacks × seeds on a process pool or Dask, a crash-safe results store,
statistics, and validation against theory."""
