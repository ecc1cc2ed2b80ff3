"""Benchmarks for Rebound's core and scheduler: run them all with `python -m bench`."""
