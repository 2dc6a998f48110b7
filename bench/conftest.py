"""Benchmarks live here; run them with `make bench` (pytest-benchmark)."""
