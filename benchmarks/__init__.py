"""Benchmarks for eventwire, run with ``nox -s bench``; each prints numbers beside a baseline."""
