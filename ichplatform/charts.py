"""One chart design for every app: a registered Plotly template and a renderer.

`TEMPLATE` ("ichplatform") sets the colours, fonts and hover formats. The colourway is the
Okabe–Ito palette (distinguishable with the common colour-vision deficiencies), led by the
platform's heritage red; every colour keeps at least 3:1 contrast against the white plot area,
which WCAG asks of graphical objects. Figure builders call `themed(figure, title=, x_title=,
y_title=)` so that every chart has a title and labelled axes with units.

`render_chart(figure, chart_id=, label=)` returns the HTML for a chart: the plot container that
`templates/core/_plotly.html` draws with plotly.js (served from static files copied from the
plotly wheel, never a CDN), a "Download data (CSV)" link carrying the figure's data, and a
`<noscript>` table with the same data, so the chart degrades to a table when JavaScript is off.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import math
from collections.abc import Sequence
from urllib.parse import quote

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from django.utils.html import escape, format_html, json_script
from django.utils.safestring import SafeString, mark_safe

TEMPLATE_NAME = "ichplatform"
INK, MUTED, GRID, WHITE = "#1f2328", "#57606a", "#eaeef2", "#ffffff"
# Heritage red first, then Okabe–Ito. Its yellow, sky blue and orange are under 3:1 on white
# (1.2, 2.3, 2.3): yellow and sky blue are left out and orange is darkened to ochre (4.9:1).
PALETTE = ("#a4161a", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#8a6d00", "#000000")
FONT = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans', 'Noto Sans CJK SC', 'PingFang SC', sans-serif"
STRATEGY_COLOURS = {"pan_life": PALETTE[0], "pan_knowledge": PALETTE[1], "unclassified": MUTED}

_axis = {"gridcolor": GRID, "linecolor": "#8c959f", "zerolinecolor": "#d0d7de", "ticks": "outside",
         "tickcolor": "#8c959f", "title": {"standoff": 8}, "automargin": True, "hoverformat": ",.3~f"}
TEMPLATE = go.layout.Template(layout={
    "colorway": list(PALETTE),
    "font": {"family": FONT, "size": 13, "color": INK},
    "title": {"font": {"size": 15, "color": INK}, "x": 0, "xanchor": "left", "pad": {"l": 4}},
    "paper_bgcolor": WHITE, "plot_bgcolor": WHITE,
    "xaxis": _axis, "yaxis": _axis,
    "hoverlabel": {"font": {"family": FONT, "size": 13}, "bgcolor": WHITE, "bordercolor": INK},
    "hovermode": "closest",
    "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    "margin": {"l": 60, "r": 20, "t": 60, "b": 50},
    "separators": ".,",
})
pio.templates[TEMPLATE_NAME] = TEMPLATE


def themed(figure: go.Figure, *, title: str, x_title: str, y_title: str, height: int = 340) -> go.Figure:
    """Apply the platform template, the title and the axis titles (say the unit in them)."""
    figure.update_layout(template=TEMPLATE_NAME, title={"text": title}, height=height,
                         xaxis={"title": {"text": x_title}}, yaxis={"title": {"text": y_title}})
    return figure


# -- the data behind a figure: for the CSV link and the no-JavaScript table ------------------------
def _as_dict(figure) -> dict:
    return figure if isinstance(figure, dict) else figure.to_plotly_json()


def _values(value) -> list:
    if value is None:
        return []
    if isinstance(value, dict) and "bdata" in value:  # plotly's packed typed array (from JSON)
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return [v.isoformat() if hasattr(v, "isoformat") else v for v in value]


def figure_table(figure, *, x_title: str = "", y_title: str = "") -> tuple[list[str], list[list]]:
    """The figure's data as one table: wide (one column per trace) when the traces share their x
    values, else long (series, x, y); distributions (histogram, box) as (series, value)."""
    data = _as_dict(figure)
    layout = data.get("layout", {})
    x_title = x_title or (layout.get("xaxis", {}).get("title", {}) or {}).get("text") or "x"
    y_title = y_title or (layout.get("yaxis", {}).get("title", {}) or {}).get("text") or "y"
    traces = [t for t in data.get("data", []) if t.get("hoverinfo") != "skip"]
    names = [t.get("name") or f"series {i + 1}" for i, t in enumerate(traces)]
    if traces and all(t.get("type") in ("histogram", "box", "violin") for t in traces):
        key = lambda t: "y" if t.get("type") in ("box", "violin") and t.get("y") is not None else "x"
        return ["series", y_title if traces[0].get("type") != "histogram" else x_title], [
            [name, value] for name, t in zip(names, traces, strict=True) for value in _values(t.get(key(t)))]
    xs = [_values(t.get("x")) for t in traces]
    ys = [_values(t.get("y")) for t in traces]
    if traces and all(x == xs[0] for x in xs) and all(len(y) == len(xs[0]) for y in ys):
        header = [x_title] + (names if len(traces) > 1 else [y_title])
        return header, [[x, *(y[i] for y in ys)] for i, x in enumerate(xs[0])]
    rows = [[name, x, y] for name, tx, ty in zip(names, xs, ys, strict=True) for x, y in zip(tx, ty, strict=False)]
    return ["series", x_title, y_title], rows


def table_csv(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue()


def _cell(value) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.3f}".rstrip("0").rstrip(".")
    return "" if value is None else str(value)


def table_html(header: Sequence[str], rows: Sequence[Sequence], caption: str) -> SafeString:
    head = "".join(format_html('<th scope="col">{}</th>', h) for h in header)
    body = "".join("<tr>" + "".join(format_html("<td>{}</td>", _cell(v)) for v in row) + "</tr>" for row in rows)
    return mark_safe(f'<table class="chart-data"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
                     f"<tbody>{body}</tbody></table>")


def render_chart(figure, *, chart_id: str, label: str = "", table: tuple[list[str], list[list]] | None = None,
                 filename: str = "") -> SafeString:
    """The HTML of one chart: plot container, its figure as JSON, a CSV download link and a
    `<noscript>` table of the same data. `table` overrides the data read from the figure."""
    data = _as_dict(figure)
    title = (data.get("layout", {}).get("title", {}) or {}).get("text") or label
    label = label or title
    header, rows = table or figure_table(data)
    csv_href = "data:text/csv;charset=utf-8," + quote("\ufeff" + table_csv(header, rows))
    payload = json.loads(pio.to_json(data, validate=False)) if not isinstance(figure, dict) else figure
    return format_html(
        '<figure class="chart" id="{id}-figure">'
        '<div class="plot" id="{id}" data-src="{id}-data" role="img" aria-label="{label}"></div>{script}'
        '<figcaption class="chart-actions"><a class="download" href="{href}" download="{file}">'
        'Download data (CSV)<span class="visually-hidden">: {label}</span></a></figcaption>'
        "<noscript>{table}</noscript></figure>",
        id=chart_id, label=label, script=json_script(payload, f"{chart_id}-data"), href=csv_href,
        file=filename or f"{chart_id}.csv", table=table_html(header, rows, label))


# -- the home dashboard's figures ------------------------------------------------------------------
def views_over_time_figure(views_by_day) -> go.Figure | None:
    """Total views of the institution's videos by day (the sum of each day's snapshots)."""
    if not views_by_day:
        return None
    days = [d.isoformat() for d, _ in views_by_day]
    figure = go.Figure(go.Scatter(x=days, y=[v for _, v in views_by_day], mode="lines+markers", name="views",
                                  marker={"size": 4}, hovertemplate="%{x}: %{y:,} views<extra></extra>"))
    return themed(figure, title="Dissemination over time: total views", x_title="day",
                  y_title="views (all videos, count)")


def effect_by_strategy_figure(groups: dict[str, list[float]], labels: dict[str, str]) -> go.Figure | None:
    """The distribution of the dissemination effect of videos per content strategy."""
    if not any(groups.values()):
        return None
    figure = go.Figure()
    for strategy, values in groups.items():
        figure.add_trace(go.Box(y=values, name=f"{labels[strategy]} (n={len(values)})", boxpoints="all",
                                jitter=0.4, pointpos=0, marker={"color": STRATEGY_COLOURS.get(strategy, MUTED),
                                                                 "size": 5},
                                line={"color": STRATEGY_COLOURS.get(strategy, MUTED)},
                                hovertemplate="effect %{y:.3f}<extra></extra>"))
    themed(figure, title="Dissemination effect by content strategy", x_title="content strategy",
           y_title="effect (0–1)")
    figure.update_layout(showlegend=False)
    return figure
