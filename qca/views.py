"""Pages of the Learn area. Thin: they call selectors and services."""

from django.shortcuts import render

from accounts.tenancy import require_capability


@require_capability("view_pages")
def index(request):
    return render(request, "qca/index.html", {})
