"""Reads of the Generation area, always scoped to one institution."""
