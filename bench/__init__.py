"""Benchmark: speed, memory and message economy against bare python-telegram-bot.

Run from the repository root: `python -m bench.run --output bench.json` (add `--quick` for the
short CI variant, `--profile` for a cProfile of the mixed workload).
"""
