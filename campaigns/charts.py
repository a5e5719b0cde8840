"""Plotly figure builders of the Campaigns area (pure: data in, figure out), on the platform
template (ichplatform/charts.py)."""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _

from ichplatform.charts import MUTED, PALETTE, themed


def results_figure(results) -> go.Figure | None:
    """Each linked video's dissemination effect, the institution's other videos as a box, and
    the baseline median as a line (all as of the same date)."""
    measured = results.measured
    if not measured and not results.baseline_effects:
        return None
    figure = go.Figure()
    if results.baseline_effects:
        figure.add_trace(go.Box(y=results.baseline_effects, name=_("Other videos (baseline)"), boxpoints=False,
                                marker={"color": MUTED}, hovertemplate="%{y:.3f}<extra>" + _("baseline") + "</extra>"))
    figure.add_trace(go.Scatter(
        x=[_("Campaign videos")] * len(measured), y=[r.effect for r in measured], mode="markers",
        name=_("Campaign videos"), text=[r.planned.title for r in measured],
        marker={"color": PALETTE[0], "size": 11, "line": {"color": "#ffffff", "width": 1}},
        hovertemplate="%{text}<br>" + _("effect") + " %{y:.3f}<extra></extra>"))
    if results.baseline_median is not None:
        figure.add_hline(y=results.baseline_median, line={"color": PALETTE[1], "dash": "dash"},
                         annotation_text=_("baseline median %(median).3f") % {"median": results.baseline_median},
                         annotation_position="top left")
    themed(figure, title=_("Dissemination effect as of %(date)s") % {"date": f"{results.as_of:%Y-%m-%d}"},
           x_title=_("videos"), y_title=_("effect (0–1)"))
    figure.update_yaxes(range=[-0.03, 1.03])
    return figure
