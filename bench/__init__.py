"""Benchmarks: ``python -m bench NAME`` builds data of the size an issue names and prints each figure
beside its target. Not timed tests: they never decide CI's pass or fail."""
