"""One chart design for every app: a registered Plotly template and a renderer.

`TEMPLATE` ("ichplatform") sets the colours, fonts and hover formats. The colourway is the
Okabe–Ito palette (distinguishable with the common colour-vision deficiencies), led by the
platform's heritage red; every colour keeps at least 3:1 contrast against the white plot area,
which WCAG asks of graphical objects. Figure builders call `themed(figure, title=, x_title=,
y_title=)` so that every chart has a title and labelled axes with units.

`render_chart(figure, chart_id=, label=, csv_href=)` returns the HTML for a chart: the plot
container that `templates/core/_plotly.html` draws with plotly.js (served from static files copied
from the plotly wheel, never a CDN), a "Download data (CSV)" link, and a `<noscript>` table with
the same data, so the chart degrades to a table when JavaScript is off. Pages use the
`{% chart %}` tag, whose link is the page's own URL with `?chart_csv=<chart id>`: the page view
runs again (same role guard, same institution scope) and `ichplatform.chart_csv` answers with the
chart's data instead of the page. Without a request (tests, scripts) the link is a data: URL.
"""

from __future__ import annotations

import base64
import csv
import functools
import html
import io
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Sequence
from urllib.parse import quote

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from django.utils.formats import get_format
from django.utils.html import escape, format_html, json_script
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext as _
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
    values, else long (series, x, y); distributions (histogram, box) as (series, value). Traces
    with a hover label per point (`text`, e.g. the case of a QCA plot) get a "label" column."""
    data = _as_dict(figure)
    layout = data.get("layout", {})
    x_title = x_title or (layout.get("xaxis", {}).get("title", {}) or {}).get("text") or "x"
    y_title = y_title or (layout.get("yaxis", {}).get("title", {}) or {}).get("text") or "y"
    traces = [t for t in data.get("data", []) if t.get("hoverinfo") != "skip"]
    names = [t.get("name") or f"series {i + 1}" for i, t in enumerate(traces)]
    if traces and all(t.get("type") in ("histogram", "box", "violin") for t in traces):
        key = lambda t: "y" if t.get("type") in ("box", "violin") and t.get("y") is not None else "x"
        return [_("series"), y_title if traces[0].get("type") != "histogram" else x_title], [
            [name, value] for name, t in zip(names, traces, strict=True) for value in _values(t.get(key(t)))]
    ys = [_values(t.get("y")) for t in traces]
    # A box without x stands at its name on a categorical axis.
    xs = [_values(t.get("x")) or ([name] * len(y) if t.get("type") in ("box", "violin") else [])
          for name, t, y in zip(names, traces, ys, strict=True)]
    texts = [t.get("text") if isinstance(t.get("text"), (list, tuple)) and len(t["text"]) == len(x) else None
             for t, x in zip(traces, xs, strict=True)]
    if any(texts):
        rows = []
        for name, tx, ty, text in zip(names, xs, ys, texts, strict=True):
            labels = text or [""] * len(tx)
            rows += [[name, labels[i], x, y] for i, (x, y) in enumerate(zip(tx, ty, strict=False))]
        if len(traces) == 1:
            return [_("label"), x_title, y_title], [row[1:] for row in rows]
        return [_("series"), _("label"), x_title, y_title], rows
    if traces and all(x == xs[0] for x in xs) and all(len(y) == len(xs[0]) for y in ys):
        header = [x_title] + (names if len(traces) > 1 else [y_title])
        return header, [[x, *(y[i] for y in ys)] for i, x in enumerate(xs[0])]
    rows = [[name, x, y] for name, tx, ty in zip(names, xs, ys, strict=True) for x, y in zip(tx, ty, strict=False)]
    return [_("series"), x_title, y_title], rows


def table_csv(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return buffer.getvalue()


@functools.lru_cache(maxsize=16)
def _separators(language: str | None) -> dict:
    """The language's thousand and decimal separators as a str.translate table (Python's own
    formatting, then swapped: number_format per cell is ~25x slower on a 5,000-row table)."""
    return str.maketrans({",": get_format("THOUSAND_SEPARATOR", language), ".": get_format("DECIMAL_SEPARATOR", language)})


def _cell(value, separators: dict) -> str:
    """A table cell in the page's language (`separators` from `_separators`): numbers grouped by
    three, up to 3 decimals (the CSV keeps raw values)."""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:,.3f}".rstrip("0").rstrip(".").translate(separators)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".translate(separators)
    return "" if value is None else str(value)


def table_html(header: Sequence[str], rows: Sequence[Sequence], caption: str) -> SafeString:
    head = "".join(format_html('<th scope="col">{}</th>', h) for h in header)
    # html.escape per cell, not format_html: same output, ~7x faster on a 5,000-row table.
    separators = _separators(get_language())
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v, separators))}</td>" for v in row) + "</tr>"
                   for row in rows)
    return mark_safe(f'<table class="chart-data"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
                     f"<tbody>{body}</tbody></table>")


def csv_data_url(header: Sequence[str], rows: Sequence[Sequence]) -> str:
    return "data:text/csv;charset=utf-8," + quote("\ufeff" + table_csv(header, rows))


def render_chart(figure, *, chart_id: str, label: str = "", table: tuple[list[str], list[list]] | None = None,
                 filename: str = "", csv_href: str = "") -> SafeString:
    """The HTML of one chart: plot container, its figure as JSON, a CSV download link and a
    `<noscript>` table of the same data. `table` overrides the data read from the figure;
    `csv_href` is the CSV endpoint (a data: URL with the table when not given)."""
    data = _as_dict(figure)
    title = (data.get("layout", {}).get("title", {}) or {}).get("text") or label
    label = label or title
    header, rows = table or figure_table(data)
    payload = json.loads(pio.to_json(data, validate=False)) if not isinstance(figure, dict) else figure
    return format_html(
        '<figure class="chart" id="{id}-figure">'
        '<div class="plot" id="{id}" data-src="{id}-data" role="img" aria-label="{label}"></div>{script}'
        '<figcaption class="chart-actions"><a class="download" href="{href}" download="{file}">'
        '{download}<span class="visually-hidden">: {label}</span></a></figcaption>'
        "<noscript>{table}</noscript></figure>",
        id=chart_id, label=label, script=json_script(payload, f"{chart_id}-data"),
        href=csv_href or csv_data_url(header, rows), file=filename or f"{chart_id}.csv",
        download=_("Download data (CSV)"), table=table_html(header, rows, label))


# -- the home dashboard's figures ------------------------------------------------------------------
_FIGURE_MEMO: OrderedDict = OrderedDict()
_FIGURE_MEMO_LOCK = threading.Lock()
FIGURE_MEMO_SIZE = 64


def _frozen(value):
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return str(value) if isinstance(value, Promise) else value


def _memoised(builder):
    """The dashboard's figures as JSON-ready dicts (treat them as read-only), remembered per
    input and language in this process. The dashboard's data come from its cache, so without
    this the same figure of 5,000 points would be built and serialised on every request."""

    @functools.wraps(builder)
    def memoised(*args):
        key = (builder.__name__, get_language(), _frozen(args))
        with _FIGURE_MEMO_LOCK:
            if key in _FIGURE_MEMO:
                _FIGURE_MEMO.move_to_end(key)
                return _FIGURE_MEMO[key]
        figure = builder(*args)
        data = None if figure is None else json.loads(pio.to_json(figure, validate=False))
        with _FIGURE_MEMO_LOCK:
            _FIGURE_MEMO[key] = data
            while len(_FIGURE_MEMO) > FIGURE_MEMO_SIZE:
                _FIGURE_MEMO.popitem(last=False)
        return data

    return memoised


@_memoised
def views_over_time_figure(views_by_day) -> go.Figure | None:
    """Total views of the institution's videos by day (the sum of each day's snapshots)."""
    if not views_by_day:
        return None
    days = [day.isoformat() for day, _views in views_by_day]
    figure = go.Figure(go.Scatter(x=days, y=[views for _day, views in views_by_day], mode="lines+markers",
                                  name=_("views"), marker={"size": 4},
                                  hovertemplate="%{x}: %{y:,} " + _("views") + "<extra></extra>"))
    return themed(figure, title=_("Dissemination over time: total views"), x_title=_("day"),
                  y_title=_("views (all videos, count)"))


@_memoised
def effect_by_strategy_figure(groups: dict[str, list[float]], labels: dict[str, str]) -> go.Figure | None:
    """The distribution of the dissemination effect of videos per content strategy."""
    if not any(groups.values()):
        return None
    figure = go.Figure()
    for strategy, values in groups.items():
        # A numpy array, not a list: plotly validates and copies a list element by element.
        figure.add_trace(go.Box(y=np.asarray(values, dtype=float), name=f"{labels[strategy]} (n={len(values)})",
                                boxpoints="all",
                                jitter=0.4, pointpos=0, marker={"color": STRATEGY_COLOURS.get(strategy, MUTED),
                                                                 "size": 5},
                                line={"color": STRATEGY_COLOURS.get(strategy, MUTED)},
                                hovertemplate=_("effect") + " %{y:.3f}<extra></extra>"))
    themed(figure, title=_("Dissemination effect by content strategy"), x_title=_("content strategy"),
           y_title=_("effect (0–1)"))
    figure.update_layout(showlegend=False)
    return figure
