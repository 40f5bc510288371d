"""Klynge: a Triple Helix graph of Norwegian business, research and policy data."""

__version__ = "0.1.0"
