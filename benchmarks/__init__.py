"""Benchmarks: each `bench_*.py` has `run(quick: bool) -> list[dict]`, printed as a table."""
