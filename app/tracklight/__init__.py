"""Tracklight: see which installed software tracks you, how much, and switch it off in one click."""

__version__ = "0.1.0"
