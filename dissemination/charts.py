"""Plotly figure builders of the Dissemination area (pure functions: data in, figure out)."""

from collections.abc import Sequence

import plotly.graph_objects as go

from ichplatform.charts import PALETTE, themed

SERIES = (("views", "Views", PALETTE[0]), ("likes", "Likes", PALETTE[1]), ("comments", "Comments", PALETTE[3]))


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
    themed(figure, title="Views, likes and comments by day", x_title="captured on (day)",
           y_title="views (count)", height=360)
    figure.update_layout(margin={"r": 70}, hovermode="x unified",
                         yaxis2={"title": {"text": "likes, comments (count)"}, "overlaying": "y", "side": "right",
                                 "showgrid": False})
    return figure
