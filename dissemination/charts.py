"""Plotly figure builders of the Dissemination area (pure functions: data in, figure out)."""

from collections.abc import Sequence

import plotly.graph_objects as go

SERIES = (("views", "Views", "#a4161a"), ("likes", "Likes", "#0550ae"), ("comments", "Comments", "#116329"))


def snapshot_figure(snapshots: Sequence) -> go.Figure:
    """A video's counts over time, one trace per count. Hidden likes / disabled comments (NULL)
    are gaps, not zeros; views use the left axis, likes and comments the right one."""
    days = [s.captured_on for s in snapshots]
    figure = go.Figure()
    for field, label, colour in SERIES:
        values = [getattr(s, field) for s in snapshots]
        if all(v is None for v in values):
            continue
        figure.add_trace(go.Scatter(x=days, y=values, name=label, mode="lines+markers", connectgaps=False,
                                    line={"color": colour}, marker={"size": 4},
                                    yaxis="y" if field == "views" else "y2"))
    figure.update_layout(
        margin={"l": 60, "r": 60, "t": 30, "b": 40}, height=360, hovermode="x unified",
        legend={"orientation": "h", "y": 1.12}, paper_bgcolor="#ffffff", plot_bgcolor="#ffffff",
        yaxis={"title": "Views", "gridcolor": "#eaeef2"},
        yaxis2={"title": "Likes, comments", "overlaying": "y", "side": "right", "showgrid": False},
        xaxis={"title": "Captured on"},
    )
    return figure
