"""Benchmarks, run from the repository's root: ``python -m bench.<name>``; results in ``bench/results/``."""
