"""Benchmarks: scripts that print Markdown tables and write JSON to bench/results (goals are printed, never asserted)."""
