"""The home page: the staff dashboard (KPIs and charts across the three areas); coders get
their way into coding."""

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts import selectors
from accounts.tenancy import require_capability
from qca.models import Strategy

from . import charts, dashboard
from .response_cache import cached_page

STRATEGY_LABELS = {Strategy.PAN_LIFE: _("Pan-life"), Strategy.PAN_KNOWLEDGE: _("Pan-knowledge"),
                   Strategy.UNCLASSIFIED: _("Unclassified")}


@require_capability("view_pages")
@cached_page  # served per member and institution until its data change
def home(request):
    institution = request.institution
    context = {"recent_events": selectors.audit_events_of(institution=institution, limit=8)}
    if request.membership.can("manage_content"):
        board = dashboard.build(institution=institution)
        context.update(board=board, figures={
            "views": charts.views_over_time_figure(board.views_by_day),
            "strategies": charts.effect_by_strategy_figure(board.effects_by_strategy(), STRATEGY_LABELS),
        })
    return render(request, "core/home.html", context)
