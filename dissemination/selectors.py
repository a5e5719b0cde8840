"""Reads of the Dissemination area, always scoped to one institution."""
