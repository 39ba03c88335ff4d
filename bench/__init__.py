"""Benchmarks, each a script: `python bench/NAME.py` (see the README for the goals)."""
