"""Plotly figure builders of the Dissemination area (pure functions: data in, figure out)."""
