"""Plotly figure builders of the Learn (fsQCA) area (pure functions: data in, figure out)."""
