"""Benchmarks: each `bench_*.py` module has `run(quick: bool) -> list[dict]`; rows print as tables."""
