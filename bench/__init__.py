"""Benchmarks: scripts that generate their own data and print each figure beside the limit it is compared with."""
