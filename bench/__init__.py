"""Benchmarks (not tests): `make bench` runs them and writes docs/PERFORMANCE.md."""
