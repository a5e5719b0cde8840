"""The CSV endpoint of every chart: the page's own URL with `?chart_csv=<chart id>`.

Why not a route per chart: a chart's data is what its page computes for the requesting member,
so the page view itself is the endpoint. It runs with its own role guard and institution scope
(a foreign id is a 404 before anything renders, and every id-taking page is already in
tests/test_tenancy_routes.py); while it renders, the `{% chart %}` tag whose id was asked for
hands its table to the request (`offer`), and this middleware answers with that table as CSV
instead of the page. A page that did not render the asked-for chart answers 404.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.http import Http404, HttpResponse
from django.http.request import HttpRequest

from .charts import table_csv

PARAM = "chart_csv"


def csv_url(request: HttpRequest, chart_id: str) -> str:
    """The page's URL (its query kept, e.g. `as_of`) asking for one chart's data."""
    query = request.GET.copy()
    query[PARAM] = chart_id
    return f"{request.path}?{query.urlencode()}"


def offer(request: HttpRequest, chart_id: str, header: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Called by the chart tag: keep this chart's table when the request asks for it."""
    if request.GET.get(PARAM) == chart_id:
        request.chart_csv = (chart_id, table_csv(header, rows))


class ChartCsvMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if PARAM not in request.GET or response.status_code != 200:
            return response  # redirects, 403 and 404 of the page pass through unchanged
        offered = getattr(request, "chart_csv", None)
        if offered is None or request.method not in ("GET", "HEAD"):
            raise Http404(f"This page has no chart {request.GET[PARAM]!r}.")
        chart_id, text = offered
        csv_response = HttpResponse("\ufeff" + text, content_type="text/csv; charset=utf-8")
        csv_response["Content-Disposition"] = f'attachment; filename="{chart_id}.csv"'
        csv_response["Cache-Control"] = "private, no-store"
        csv_response["Vary"] = "Cookie, Accept-Language"
        return csv_response
