"""Benchmarks (not part of the package): corpora and timing scripts, run with ``python -m bench.NAME``."""
