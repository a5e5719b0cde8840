"""Plotly figure builders of the Learn (fsQCA) area (pure functions: data in, figure out).

Each returns a plain dict (`{"data": [...], "layout": {...}}`) that a template hands to
plotly.js (served from static/vendor, never a CDN) through `json_script`.
"""

from __future__ import annotations

import plotly.graph_objects as go
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ichplatform.charts import INK, MUTED, PALETTE, TEMPLATE_NAME

RED, LINE = PALETTE[0], "#8c959f"
ANCHOR_NAMES = {"e": gettext_lazy("exclusion"), "c": gettext_lazy("crossover"), "i": gettext_lazy("inclusion"),
                "threshold": gettext_lazy("threshold")}


def _layout(title: str, x_title: str, y_title: str, **extra) -> dict:
    return dict(template=TEMPLATE_NAME, title={"text": title}, xaxis={"title": {"text": x_title}},
                yaxis={"title": {"text": y_title}}, height=340, showlegend=False, **extra)


def _as_dict(figure: go.Figure) -> dict:
    return figure.to_plotly_json()


def calibration_histogram(values: list[float], anchors: dict, label: str) -> dict:
    """The raw distribution with the anchors as vertical lines."""
    figure = go.Figure(go.Histogram(x=values, marker={"color": LINE}, name=_("cases"),
                                    hovertemplate="%{x}: %{y} " + _("cases") + "<extra></extra>"))
    for key, value in anchors.items():
        figure.add_vline(x=value, line={"color": RED if key in ("c", "threshold") else INK, "dash": "dash"},
                         annotation_text=f"{ANCHOR_NAMES.get(key, key)} {value:g}", annotation_position="top")
    figure.update_layout(**_layout(_("%(label)s: raw values") % {"label": label},
                                   _("%(label)s (raw value)") % {"label": label}, _("cases (count)")))
    return _as_dict(figure)


def calibration_curve(values: list[float], memberships: list[float], cases: list[str], label: str) -> dict:
    """Raw value against calibrated membership, one dot per case; the 0.5 line marks the crossover."""
    figure = go.Figure(go.Scatter(x=values, y=memberships, mode="markers", text=cases,
                                  marker={"color": RED, "size": 7, "opacity": 0.7},
                                  hovertemplate="%{text}<br>" + _("raw") + " %{x}<br>" + _("membership")
                                  + " %{y:.3f}<extra></extra>"))
    figure.add_hline(y=0.5, line={"color": MUTED, "dash": "dot"})
    figure.update_layout(**_layout(_("%(label)s: calibrated memberships") % {"label": label},
                                   _("%(label)s (raw value)") % {"label": label}, _("membership (0–1)")))
    figure.update_yaxes(range=[-0.03, 1.03])
    return _as_dict(figure)


def necessity_xy(x: list[float], y: list[float], cases: list[str], x_label: str, y_label: str) -> dict:
    """XY plot of condition (x) against outcome (y) memberships with the diagonal: cases below the
    diagonal contradict necessity (y <= x is what a necessary condition needs)."""
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line={"color": MUTED, "dash": "dash"},
                                hoverinfo="skip", name=_("diagonal")))
    figure.add_trace(go.Scatter(x=x, y=y, mode="markers", text=cases, name=_("cases"),
                                marker={"color": RED, "size": 7, "opacity": 0.7},
                                hovertemplate="%{text}<br>" + x_label + " %{x:.3f}<br>" + y_label
                                + " %{y:.3f}<extra></extra>"))
    membership_of = _("%(label)s (membership, 0–1)")
    figure.update_layout(**_layout(_("%(x)s and %(y)s") % {"x": x_label, "y": y_label},
                                   membership_of % {"label": x_label}, membership_of % {"label": y_label}))
    figure.update_xaxes(range=[-0.03, 1.03])
    figure.update_yaxes(range=[-0.03, 1.03], scaleanchor="x")
    return _as_dict(figure)


def coverage_over_time(points: list[dict]) -> dict:
    """Solution coverage and consistency of the analyses of a study and its re-runs."""
    dates = [p["label"] for p in points]
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=dates, y=[p["coverage"] for p in points], mode="lines+markers",
                                name=_("coverage"), line={"color": RED}))
    figure.add_trace(go.Scatter(x=dates, y=[p["consistency"] for p in points], mode="lines+markers",
                                name=_("consistency"), line={"color": INK, "dash": "dot"}))
    figure.update_layout(**_layout(_("Solution fit over time"), _("study (as of date)"),
                                   _("coverage, consistency (0–1)")))
    figure.update_layout(showlegend=True)
    figure.update_yaxes(range=[0, 1.05])
    return _as_dict(figure)
