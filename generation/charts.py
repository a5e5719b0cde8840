"""Plotly figure builders of the Generation area (pure functions: data in, figure out)."""
