"""Page-number pagination whose total is cached: the snapshot list of an institution is a
COUNT(*) over ~500,000 rows at scale (tens of milliseconds, on every page of every client).

The count is keyed by the institution's data version (bumped by every snapshot write, see
ichplatform/data_version.py) and the query's filters, and kept at most `COUNT_SECONDS`,
which bounds how stale a count can be where the cache is per process (locmem, the embedded
profile: a harvest worker's bump does not reach the web processes)."""

import hashlib
from functools import cached_property, partial

from django.core.cache import cache
from django.core.paginator import Paginator

from ichplatform import data_version
from ichplatform.paging import DeferredJoinPaginator
from ichplatform.rest import DefaultPagination

COUNT_SECONDS = 300
NOT_FILTERS = {"page", "page_size", "ordering"}


class _CachedCountPaginator(Paginator):
    def __init__(self, *args, count_key: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_key = count_key

    @cached_property
    def count(self) -> int:
        count = cache.get(self.count_key)
        if count is None:
            count = super().count
            cache.set(self.count_key, count, timeout=COUNT_SECONDS)
        return count


class CachedCountPagination(DefaultPagination):
    paginator_class = _CachedCountPaginator

    def paginate_queryset(self, queryset, request, view=None):
        institution = request.institution
        filters = sorted((k, v) for k, v in request.query_params.lists() if k not in NOT_FILTERS)
        # created_at too: a pk alone may name another database's institution in a shared cache.
        digest = hashlib.sha1(repr((view.basename if view else "", institution.created_at.timestamp(),
                                    filters)).encode()).hexdigest()[:16]
        key = f"api-count:{institution.pk}:{data_version.version(institution_id=institution.pk)}:{digest}"
        self.django_paginator_class = partial(self.paginator_class, count_key=key)
        return super().paginate_queryset(queryset, request, view)


class CachedCountDeferredJoinPagination(CachedCountPagination):
    """The video list: counted once per data version and filters, and its pages read as ids first,
    then their rows (ichplatform/paging.py: its orderings are by columns no index serves)."""

    paginator_class = DeferredJoinPaginator
