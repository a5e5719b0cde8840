"""Reads of the Learn (fsQCA) area, always scoped to one institution."""
