"""Peer engines driven by bench/compare.py and bench/test_bench_workloads.py."""
