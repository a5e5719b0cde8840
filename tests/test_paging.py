"""The deferred-join paginator (ichplatform/paging.py) gives the pages Django's paginator gives:
same rows, same order, same count, on real PostgreSQL, with ties in the ordering and filters."""

import pytest
from django.core.paginator import Paginator
from django.db.models import F

from dissemination.models import Video
from ichplatform.paging import DeferredJoinPaginator
from tests.test_dashboard_cache import _catalogue

pytestmark = pytest.mark.django_db


def test_every_page_matches_djangos_paginator(tenant_a, tenant_b):
    _catalogue(tenant_a, n=12)
    _catalogue(tenant_b, n=3)
    Video.objects.filter(institution=tenant_a.institution, pk__in=Video.objects.filter(
        institution=tenant_a.institution).values("pk")[:5]).update(latest_views=None)  # ties and NULLs
    orderings = [(F("latest_views").desc(nulls_last=True), "pk"), ("-published_at", "pk"), ("title", "pk")]
    for ordering in orderings:
        for filters in ({}, {"latest_views__isnull": False}):
            videos = Video.objects.filter(institution=tenant_a.institution, **filters).select_related("channel") \
                .order_by(*ordering)
            plain, deferred = Paginator(videos, 5, orphans=1), DeferredJoinPaginator(videos, 5, orphans=1)
            assert deferred.count == plain.count and deferred.num_pages == plain.num_pages
            for number in plain.page_range:
                expected, got = plain.page(number), deferred.page(number)
                assert [v.pk for v in got] == [v.pk for v in expected]
                assert got.has_next() == expected.has_next() and got.start_index() == expected.start_index()
                assert all(v.institution_id == tenant_a.institution.pk for v in got)
