"""`{% chart figure "chart-id" "label" %}`: render a Plotly figure the platform's way
(see ichplatform/charts.py); pages then include `core/_plotly.html` once.

The CSV link points at the page itself with `?chart_csv=chart-id` (ichplatform/chart_csv.py),
so the download is the data of this page for this member's institution only."""

from django import template

from ichplatform import chart_csv
from ichplatform.charts import figure_table, render_chart

register = template.Library()


@register.simple_tag(takes_context=True)
def chart(context, figure, chart_id: str, label: str = ""):
    if not figure:
        return ""
    request = context.get("request")
    if request is None:
        return render_chart(figure, chart_id=chart_id, label=label)
    table = figure_table(figure)
    chart_csv.offer(request, chart_id, *table)
    return render_chart(figure, chart_id=chart_id, label=label, table=table,
                        csv_href=chart_csv.csv_url(request, chart_id))
