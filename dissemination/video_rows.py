"""The video list's rows, each rendered once per state of the institution's data.

A row (title, channel, latest counts, the 30-day sparkline, status) shows one video and nothing of
the member who asks, so it is the same on every list URL that shows the video: every filter, every
page, every session. The list's filters and pages mostly show the same videos (the top of the
institution by views), and a row is most of what a page render costs (its template, and the
sparkline's query over the snapshots), so each row is kept in the shared cache under the
institution's data version (ichplatform/data_version.py: any write of the institution's data makes
all its rows unreachable at once, as for the response cache), the release, the language and the day
(the sparkline's window ends today). A page reads its fifty rows in one `MGET` and renders only
those not stored, with one sparkline query for them. The list's total per filters is kept the same way.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ichplatform import data_version, response_cache

from . import selectors
from .models import Video

TEMPLATE = "dissemination/_video_row.html"


def _key(*, institution, version: int, language: str, day: str, video_id: int) -> str:
    # created_at too: a pk alone may name another database's institution in a shared cache (as count_key)
    return (f"video-row:{response_cache.RELEASE}:{institution.pk}:{institution.created_at.timestamp()}:"
            f"{version}:{language}:{day}:{video_id}")


def version_before_reading(request) -> int | None:
    """The data version the rows will be stored under: read before the videos are (a write committed
    in between leaves rows stored under a superseded version, never stale rows under the current
    one). None inside a transaction that wrote the institution's data (it reads its own writes)."""
    institution_id = request.institution.pk
    if data_version.uncommitted_writes(institution_id=institution_id):
        return None
    return data_version.version(institution_id=institution_id)


def count_key(*, request, version: int | None) -> str | None:
    """Where the list's total for these filters is kept under this data version (None: not kept)."""
    if version is None:
        return None
    institution = request.institution
    filters = sorted((k, v) for k, v in request.GET.lists() if k != "page")
    # created_at too: a pk alone may name another database's institution in a shared cache.
    digest = hashlib.sha1(repr((institution.created_at.timestamp(), filters)).encode()).hexdigest()[:16]
    return f"video-list-count:{institution.pk}:{version}:{digest}"


def rendered(*, request, videos: list[Video], version: int | None) -> list[str]:
    """The HTML of each video's row, in order (safe strings for the list template)."""
    if not videos:
        return []
    if version is None:
        return [mark_safe(html) for html in _render(videos)]
    day, language = timezone.localdate().isoformat(), get_language()
    keys = {video.pk: _key(institution=request.institution, version=version, language=language, day=day,
                           video_id=video.pk) for video in videos}
    found = cache.get_many(list(keys.values()))
    missing = [video for video in videos if keys[video.pk] not in found]
    if missing:
        fresh = dict(zip((v.pk for v in missing), _render(missing)))
        cache.set_many({keys[pk]: html for pk, html in fresh.items()}, timeout=response_cache.entry_seconds())
        found.update({keys[pk]: html for pk, html in fresh.items()})
    return [mark_safe(found[keys[video.pk]]) for video in videos]


def _render(videos: list[Video]) -> list[str]:
    lines = selectors.sparklines(videos=videos)
    template = get_template(TEMPLATE)
    return [template.render({"video": video, "line": lines.get(video.pk)}) for video in videos]
