"""`{% chart figure "chart-id" "label" %}`: render a Plotly figure the platform's way
(see ichplatform/charts.py); pages then include `core/_plotly.html` once."""

from django import template

from ichplatform.charts import render_chart

register = template.Library()


@register.simple_tag
def chart(figure, chart_id: str, label: str = ""):
    if not figure:
        return ""
    return render_chart(figure, chart_id=chart_id, label=label)
