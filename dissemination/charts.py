"""Plotly figure builders of the Dissemination area (pure functions: data in, figure out)."""

from collections.abc import Sequence

import plotly.graph_objects as go
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ichplatform.charts import PALETTE, themed

SERIES = (("views", gettext_lazy("Views"), PALETTE[0]), ("likes", gettext_lazy("Likes"), PALETTE[1]),
          ("comments", gettext_lazy("Comments"), PALETTE[3]))


def snapshot_figure(snapshots: Sequence) -> go.Figure:
    """A video's counts over time, one trace per count. Hidden likes / disabled comments (NULL)
    are gaps, not zeros; views use the left axis, likes and comments the right one."""
    days = [s.captured_on for s in snapshots]
    figure = go.Figure()
    for field, label, colour in SERIES:
        values = [getattr(s, field) for s in snapshots]
        if all(v is None for v in values):
            continue
        figure.add_trace(go.Scatter(x=days, y=values, name=str(label), mode="lines+markers", connectgaps=False,
                                    line={"color": colour}, marker={"size": 4},
                                    yaxis="y" if field == "views" else "y2"))
    themed(figure, title=_("Views, likes and comments by day"), x_title=_("captured on (day)"),
           y_title=_("views (count)"), height=360)
    figure.update_layout(margin={"r": 70}, hovermode="x unified",
                         yaxis2={"title": {"text": _("likes, comments (count)")}, "overlaying": "y", "side": "right",
                                 "showgrid": False})
    return figure
