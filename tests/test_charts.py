"""One chart design: the registered template, titles and axis labels on every figure builder, the
CSV link and the no-JavaScript table carrying the same data."""

from datetime import date
from types import SimpleNamespace
from urllib.parse import unquote

import plotly.graph_objects as go
import plotly.io as pio

from campaigns import charts as campaign_charts
from dissemination import charts as dissemination_charts
from ichplatform import charts
from qca import charts as qca_charts


def _layout(figure) -> dict:
    return figure if isinstance(figure, dict) and "data" not in figure else (
        figure["layout"] if isinstance(figure, dict) else figure.to_plotly_json()["layout"])


def _builders():
    snapshots = [SimpleNamespace(captured_on=date(2026, 1, d), views=100 * d, likes=None if d == 2 else d,
                                 comments=1) for d in (1, 2, 3)]
    results = SimpleNamespace(measured=[SimpleNamespace(effect=0.7, planned=SimpleNamespace(title="plan"))],
                              baseline_effects=[0.2, 0.4, 0.5], baseline_median=0.4, as_of=date(2026, 2, 1))
    return {
        "snapshots": dissemination_charts.snapshot_figure(snapshots),
        "histogram": qca_charts.calibration_histogram([1, 2, 3], {"e": 1, "c": 2, "i": 3}, "Duration"),
        "curve": qca_charts.calibration_curve([1, 2, 3], [0.1, 0.5, 0.9], ["a", "b", "c"], "Duration"),
        "xy": qca_charts.necessity_xy([0.1, 0.9], [0.2, 0.8], ["a", "b"], "T", "Y"),
        "fit": qca_charts.coverage_over_time([{"label": "s1", "coverage": 0.5, "consistency": 0.9}]),
        "campaign": campaign_charts.results_figure(results),
        "views": charts.views_over_time_figure([(date(2026, 1, 1), 10), (date(2026, 1, 2), 30)]),
        "strategies": charts.effect_by_strategy_figure({"pan_life": [0.5], "unclassified": [0.1]},
                                                       {"pan_life": "Pan-life", "unclassified": "Unclassified"}),
    }


def test_template_is_registered_with_an_accessible_palette():
    assert charts.TEMPLATE_NAME in pio.templates
    layout = pio.templates[charts.TEMPLATE_NAME].layout
    assert list(layout.colorway) == list(charts.PALETTE) and layout.font.family == charts.FONT

    def luminance(hex_colour):
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for colour in charts.PALETTE:  # WCAG 1.4.11: graphical objects at least 3:1 against white
        assert 1.05 / (luminance(colour) + 0.05) >= 3, colour


def test_every_figure_builder_has_title_axis_labels_and_the_template():
    for name, figure in _builders().items():
        data = figure if isinstance(figure, dict) else figure.to_plotly_json()
        layout = data["layout"]
        assert layout["title"]["text"], name
        assert layout["yaxis"]["title"]["text"], name
        assert "xaxis" in layout, name
        template = layout["template"]
        colorway = template["layout"]["colorway"] if isinstance(template, dict) else template.layout.colorway
        assert list(colorway) == list(charts.PALETTE), name


def test_render_chart_has_a_csv_link_and_a_table_with_the_figure_data():
    figure = charts.themed(go.Figure([go.Scatter(x=["2026-01-01", "2026-01-02"], y=[5, 7], name="views"),
                                      go.Scatter(x=["2026-01-01", "2026-01-02"], y=[1, 2], name="likes")]),
                           title="Counts <by> day", x_title="day", y_title="count")
    html = charts.render_chart(figure, chart_id="counts")
    assert 'id="counts"' in html and 'data-src="counts-data"' in html and 'aria-label="Counts &lt;by&gt; day"' in html
    href = html.split('href="', 1)[1].split('"', 1)[0]
    assert href.startswith("data:text/csv")
    csv_lines = unquote(href.split(",", 1)[1]).lstrip("\ufeff").splitlines()
    assert csv_lines == ["day,views,likes", "2026-01-01,5,1", "2026-01-02,7,2"]
    noscript = html.split("<noscript>", 1)[1]
    assert '<th scope="col">views</th>' in noscript and "<td>2026-01-02</td><td>7</td><td>2</td>" in noscript


def test_tables_of_distributions_and_unaligned_series():
    header, rows = charts.figure_table(_builders()["strategies"])
    assert header[0] == "series" and [r[1] for r in rows] == [0.5, 0.1]
    unaligned = go.Figure([go.Scatter(x=[1, 2], y=[3, 4], name="a"), go.Scatter(x=[5], y=[6], name="b")])
    assert charts.figure_table(unaligned, x_title="x", y_title="y") == (
        ["series", "x", "y"], [["a", 1, 3], ["a", 2, 4], ["b", 5, 6]])
