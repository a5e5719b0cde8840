from django.shortcuts import render

from accounts import selectors
from accounts.tenancy import require_capability


@require_capability("view_pages")
def home(request):
    institution = request.institution
    return render(request, "core/home.html", {
        "members": selectors.members_of(institution=institution),
        "recent_events": selectors.audit_events_of(institution=institution, limit=10),
    })
