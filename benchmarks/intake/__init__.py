"""What a user's orders go through, measured: files → `ordex ingest` → routed cases, the raw
write floor, latency at a steady arrival rate, the API under load, peak memory.

Run `python -m benchmarks.intake` (or `make bench`); sizes come from `BENCH_*` environment
variables (`benchmarks/intake/settings.py`, docs/benchmarks.md). Figures only, never assertions.
"""
