"""A per-tenant response cache with exact invalidation, and conditional GET, for read-only views.

A view opts in with `@cached_page` (a page, under its `require_capability`) or `@cached_list` (a DRF
viewset's `list`, which runs after authentication, permissions and throttling), so the access checks
run on a hit as on a miss. The entry's key is everything the response depends on:

* the release (`ICH_RELEASE`: templates and code change with a deploy), method, path and query;
* the principal: the session key and the CSRF cookie (pages embed CSRF tokens made from that cookie
  and the user's own navigation), or the API token's id and scopes (a token's campaign grants are
  rows of its institution: a grant written bumps the data version below), and the institution the
  principal names (the session's chosen one, or the token's);
* the language, the `Accept` header;
* the day and the YouTube quota day ("as of today" figures, quota use restarting at Pacific midnight).

The entry holds the *stamp* it was built under, and is served only while the stamp is current: the
institution's data version (ichplatform/data_version.py: bumped after commit by every write of its
data; read with the entry in one `MGET`) and whom the entry was built for (the resolved institution,
by id and creation time — a pk alone may name another database's institution in a shared cache —
and the member's role). So there is one entry per key, overwritten when the data change. The stamp
is read *before* the view runs: a response built from data that a concurrent write then changes is
stored under the superseded stamp, never under the new one. No database is read on a hit; a bump
lost while the cache was unreachable is bounded by the entry's life (`RESPONSE_CACHE_SECONDS`).

The entry also records what the early path (ichplatform/response_cache_early.py, which answers hits
before authentication and the view) must check again: the page's capability, or the token scope of
a viewset whose checks it repeats exactly (`guard`).

The response's ETag is a digest of key and stamp, so `If-None-Match` with a current ETag is
answered 304 without reading the entry. Bypassed (neither read nor written): methods other than GET
and HEAD, an anonymous request or one outside any institution, pending django.contrib.messages, a
transaction that has written the institution's data and not committed, a chart's CSV
(`?chart_csv=`). Not written: a response other than 200, streaming, setting cookies (or about to: a
modified session, a CSRF secret the browser lacks), `no-store`. A client `Cache-Control: no-cache`
(or `Pragma: no-cache`) skips the read and the 304, not the write.

Every response says what happened in `X-Response-Cache` (hit, miss, revalidated, bypass).
"""

from __future__ import annotations

import hashlib
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import parse_etags, patch_cache_control, patch_vary_headers

from . import chart_csv, data_version

HEADER = "X-Response-Cache"
VARY = ("Cookie", "Authorization", "Accept", "Accept-Language")
STORED_HEADERS_SKIPPED = {"set-cookie", "etag", "cache-control", HEADER.lower()}


def _git_head() -> str:
    """The checkout's commit when it is a git checkout (the default release)."""
    head = Path(settings.BASE_DIR) / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (head.parent / ref[5:]).read_text().strip()
        return ref
    except OSError:
        return ""


RELEASE = getattr(settings, "ICH_RELEASE", "") or _git_head()


def enabled() -> bool:
    return getattr(settings, "RESPONSE_CACHE_ENABLED", False)


def session_principal(http_request) -> str | None:
    session = getattr(http_request, "session", None)
    if session is None or not session.session_key:
        return None
    return session_principal_of(session.session_key, http_request)


def session_principal_of(session_key: str, http_request) -> str:
    return f"session:{session_key}:{http_request.COOKIES.get(settings.CSRF_COOKIE_NAME, '')}"


def _has_messages(http_request) -> bool:
    storage = getattr(http_request, "_messages", None)
    return storage is not None and (len(storage) > 0 or storage.added_new)


def client_no_cache(http_request) -> bool:
    return "no-cache" in http_request.META.get("HTTP_CACHE_CONTROL", "") or \
        "no-cache" in http_request.META.get("HTTP_PRAGMA", "")


def entry_key(http_request, *, principal: str, institution_choice) -> str:
    """The entry's key: everything the response depends on that the request itself names. What the
    principal resolves to (institution, its creation time, role) and the data version are the
    entry's stamp instead, so that the key is known before anything is read: the early path
    (ichplatform/response_cache_early.py) fetches the entry with the principal's rows."""
    from dissemination.youtube.quota import quota_day

    now = timezone.now()
    parts = (RELEASE, http_request.method, http_request.get_full_path(), principal, institution_choice,
             getattr(http_request, "LANGUAGE_CODE", ""), http_request.META.get("HTTP_ACCEPT", ""),
             timezone.localdate(now).isoformat(), quota_day(now).isoformat())
    return f"response:{hashlib.sha256(repr(parts).encode()).hexdigest()}"


def stamp_of(version: int, membership) -> tuple:
    """What an entry is valid for: the data version it was built under and whom it was built for
    (the institution, by id and creation time — a pk alone may name another database's institution
    in a shared cache — and the member's role)."""
    institution = membership.institution
    return version, institution.pk, institution.created_at.timestamp(), membership.role


def _etag(key: str, stamp: tuple) -> str:
    # Weak: a hit carries the CSRF token masked differently from a fresh render of the same data.
    digest = hashlib.sha256(f"{key}:{stamp}".encode()).hexdigest()[:32]
    return f'W/"{digest}"'


def _mark(response, outcome: str, etag: str | None = None):
    response[HEADER] = outcome
    if etag is not None:
        response["ETag"] = etag
        patch_cache_control(response, private=True, no_cache=True)  # a browser keeps it and revalidates
        patch_vary_headers(response, VARY)
    return response


def _new_csrf_cookie(http_request) -> bool:
    """Whether the page made a CSRF secret the browser does not hold yet (it will be sent as a cookie).
    Django re-sends an unchanged cookie whenever a page uses the token, only to renew its expiry: not
    a new cookie."""
    made = http_request.META.get("CSRF_COOKIE")
    return made is not None and made != http_request.COOKIES.get(settings.CSRF_COOKIE_NAME)


def _cacheable(http_request, response) -> bool:
    session = getattr(http_request, "session", None)
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and not (session is not None and session.modified)
            and not _new_csrf_cookie(http_request)
            and not _has_messages(http_request)
            and "no-store" not in response.get("Cache-Control", ""))


def _store(http_request, response, key: str, stamp: tuple, guard: tuple | None, etag: str) -> None:
    if not _cacheable(http_request, response):
        _mark(response, "bypass")
        return
    headers = [(k, v) for k, v in response.items() if k.lower() not in STORED_HEADERS_SKIPPED]
    cache.set(key, (stamp, guard, response.status_code, headers, response.content), timeout=entry_seconds())
    _mark(response, "miss", etag)


def entry_seconds() -> int:
    """An entry's life: the safety net for a data-version bump lost while the cache was unreachable
    (the token and membership entries have the same)."""
    return getattr(settings, "RESPONSE_CACHE_SECONDS", 300)


def from_entry(http_request, key: str, stamp: tuple, entry) -> HttpResponse | None:
    """The stored response (or a 304 for a current `If-None-Match`) when the entry is current."""
    etag = _etag(key, stamp)
    if etag in parse_etags(http_request.META.get("HTTP_IF_NONE_MATCH", "")):
        return _mark(HttpResponseNotModified(), "revalidated", etag)
    if entry is None or entry[0] != stamp:
        return None
    _, _, status, headers, content = entry
    response = HttpResponse(content, status=status)
    for name, value in headers:
        response[name] = value
    return _mark(response, "hit", etag)


def respond(*, http_request, membership, principal: str | None, institution_choice, guard: tuple | None, produce):
    """The response of `produce()` for this request, from the cache when its key is stored.

    `institution_choice` is what the principal names (the session's chosen institution, the token's);
    `guard` is what the early path must check again before serving the entry without the view's own
    checks: ("page", capability) or ("token", scope); None keeps the entry to this path."""
    if (not enabled() or http_request.method not in ("GET", "HEAD") or membership is None or principal is None
            or not http_request.user.is_authenticated or _has_messages(http_request)
            or chart_csv.PARAM in http_request.GET  # the page renders to hand a chart's table to the middleware
            or data_version.uncommitted_writes(institution_id=membership.institution_id)):
        return _mark(produce(), "bypass")
    key = entry_key(http_request, principal=principal, institution_choice=institution_choice)
    institution_id = membership.institution_id
    version_key = data_version.version_key(institution_id)
    no_cache = client_no_cache(http_request)
    found = cache.get_many([version_key] if no_cache else [version_key, key])  # one round trip
    version = found.get(version_key) or data_version.version(institution_id=institution_id)
    stamp = stamp_of(version, membership)  # read before the view runs (see above)
    if not no_cache:
        served = from_entry(http_request, key, stamp, found.get(key))
        if served is not None:
            return served
    etag = _etag(key, stamp)
    response = produce()
    if getattr(response, "is_rendered", True):
        _store(http_request, response, key, stamp, guard, etag)
    else:  # a TemplateResponse or DRF Response: rendered after the view returns
        response.add_post_render_callback(lambda rendered: _store(http_request, rendered, key, stamp, guard, etag))
    return response


def _session_choice(http_request):
    from accounts.tenancy import SESSION_KEY

    session = getattr(http_request, "session", None)
    return session.get(SESSION_KEY) if session is not None else None


def cached_page(view):
    """A page function view; put it under `require_capability`, which runs first on a hit too (and
    whose capability the early path checks again)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        match = getattr(request, "resolver_match", None)
        capability = getattr(match.func, "required_capability", None) if match is not None else None
        return respond(http_request=request, membership=membership if membership else None,
                       principal=session_principal(request), institution_choice=_session_choice(request),
                       guard=("page", capability) if capability else None,
                       produce=lambda: view(request, *args, **kwargs))

    return wrapped


def _token_guard(viewset, request, token) -> tuple | None:
    """("token", scope) when the viewset checks a token exactly as the early path does again: the
    token authentication, `IsInstitutionMember` (the `use_api` capability and the scope) and the
    per-token throttle, nothing else."""
    from accounts.authentication import ApiTokenAuthentication
    from accounts.permissions import IsInstitutionMember
    from accounts.throttling import PerTokenRateThrottle

    if (token is None or not isinstance(getattr(request, "_authenticator", None), ApiTokenAuthentication)
            or [type(p) for p in viewset.get_permissions()] != [IsInstitutionMember]
            or [type(t) for t in viewset.get_throttles()] != [PerTokenRateThrottle]):
        return None
    return "token", getattr(viewset, "required_scope", None) or "read"


def cached_list(method):
    """A DRF viewset's `list`: authentication, permissions (which resolve the membership) and
    throttling have run before it, on a hit as on a miss."""

    @wraps(method)
    def wrapped(self, request, *args, **kwargs):
        from accounts.models import ApiToken

        token = request.auth if isinstance(request.auth, ApiToken) else None
        if token is not None:
            principal, choice = token_principal(token), token.institution_id
        else:
            principal, choice = session_principal(request._request), _session_choice(request._request)
        return respond(http_request=request._request, membership=getattr(request, "membership", None),
                       principal=principal, institution_choice=choice, guard=_token_guard(self, request, token),
                       produce=lambda: method(self, request, *args, **kwargs))

    return wrapped


def token_principal(token) -> str:
    return token_principal_of(token.pk, token.scopes)


def token_principal_of(token_id: int, scopes) -> str:
    return f"token:{token_id}:{sorted(scopes)}"


class CachedListMixin:
    """Put first among a viewset's bases: its `list` is served through the response cache."""

    @cached_list
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
