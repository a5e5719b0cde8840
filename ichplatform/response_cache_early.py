"""Response-cache hits served near the top of the middleware stack, before CSRF, authentication,
messages, tenancy, URL resolution and DRF.

A cached hit through the whole stack costs more than the entry it serves: the session's user is an
ORM query, DRF wraps the request, negotiates, authenticates, checks permissions and throttles, each
with its own cache round trip. Here the principal is resolved from entries that are exact while the
institution's data version is unchanged — the session's membership with its user
(accounts/membership_cache.py), the API token with its user and membership (accounts/token_cache.py)
— and fetched with the response entry and the version in one `MGET`: a page hit is two cache round
trips (the session, then the rest), an API hit three (the token, the rest, the throttle's write), and
no SQL at all.

Everything the full path would check is checked again, and anything this path cannot decide exactly
falls through to it (which then answers as it always did):

* pages: the session's user id, backend (`ModelBackend` only), auth hash (a password change signs
  the session out) and `is_active`, from the stamped membership entry; the membership's `view_pages`
  and the page's own capability, which the entry records (`guard`); no pending messages (cookie or
  session), no `?chart_csv=`;
* API: the `Bearer` token from its stamped entry — not revoked, not expired, its user active, last
  used within the minute (else the full path writes `last_used_at`), its member's `use_api` and the
  scope the viewset asks (recorded in the entry only for viewsets checked exactly so: the token
  authentication, `IsInstitutionMember`, `PerTokenRateThrottle`) — and the token's throttle, counted
  here as DRF counts it;
* both: GET or HEAD, no client `no-cache`, no uncommitted write of the institution in this
  connection, and the entry's stamp (version, institution and its creation time, role) current.

Requests with a session to the API, and every miss, take the full path. The middleware sits below
the session, locale and common middleware (the session store, the language, the host check and
`Content-Length` are theirs) and below X-Frame-Options, so that a response served here carries the
same headers as one served by the view's decorator.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import auth
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.session import SessionStorage
from django.contrib.sessions.backends import cached_db
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from . import chart_csv, data_version, response_cache

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
TOKEN_KEYWORDS = ("Bearer", "Token")
# Which keys a session or token needed last time, per process (session key -> (user id, chosen
# institution, resolved institution); token digest -> (token id, institution, scopes)): a guess that
# lets one MGET fetch everything. Only a guess: every value is checked against what the MGET returns,
# and a wrong guess is dropped and the request resolved step by step.
_HINTS: dict[str, tuple] = {}
HINTS_MAX = 10_000


def _remember(key: str, hint: tuple) -> None:
    if len(_HINTS) >= HINTS_MAX:
        _HINTS.clear()
    _HINTS[key] = hint


class EarlyHitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (response_cache.enabled() and request.method in ("GET", "HEAD")
                and not response_cache.client_no_cache(request) and chart_csv.PARAM not in request.GET):
            served = _token_hit(request) if "HTTP_AUTHORIZATION" in request.META else _session_hit(request)
            if served is not None:
                return served
        return self.get_response(request)


def _current(version, stamped) -> object | None:
    """The value of a (stamp, value) entry when its stamp is the current version."""
    if stamped is None or version is None or stamped[0] != version:
        return None
    return stamped[1]


# -- pages: the session --------------------------------------------------------------------------------
def _session_cache_key(session_key: str) -> str | None:
    """Where the session store keeps the session's data in the default cache, when it is the cached_db
    store (the production profile): read here with the rest, in the same MGET."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.cached_db" or settings.SESSION_CACHE_ALIAS != "default":
        return None
    return cached_db.KEY_PREFIX + session_key


def _session_hit(request):
    from accounts import membership_cache
    from accounts.tenancy import SESSION_KEY

    cookies = request.COOKIES
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if not session_key or CookieStorage.cookie_name in cookies:
        return None
    principal = response_cache.session_principal_of(session_key, request)
    hint, data_key = _HINTS.get(session_key), _session_cache_key(session_key)
    found = {}
    if hint is not None and data_key is not None:  # one round trip: the session's data and the rest
        user_id, choice, institution_id = hint
        keys = _session_keys(request, session_key, principal, user_id, choice, institution_id, membership_cache)
        found = cache.get_many([data_key, *keys])
        data = found.get(data_key)
        if data is None or data.get(auth.SESSION_KEY) != user_id or data.get(SESSION_KEY) != choice:
            found = {}
        else:
            session = data
    if not found:  # step by step: the session (its store), then the rest
        session = request.session
        if session.session_key != session_key:
            return None
        user_id, choice = session.get(auth.SESSION_KEY), session.get(SESSION_KEY)
        institution_id = hint[2] if hint is not None and hint[:2] == (user_id, choice) else choice
        if user_id is None:
            return None
        keys = _session_keys(request, session_key, principal, user_id, choice, institution_id, membership_cache)
        found = cache.get_many(keys)
    membership_key, key, version_key = keys
    stamped = found.get(membership_key)
    if (stamped is None or stamped[1] is None or session.get(auth.BACKEND_SESSION_KEY) != MODEL_BACKEND
            or MODEL_BACKEND not in settings.AUTHENTICATION_BACKENDS or SessionStorage.session_key in session):
        return None
    resolved = stamped[1].institution_id
    version = found.get(version_key) if resolved == institution_id else \
        cache.get(data_version.version_key(resolved))
    _remember(session_key, (user_id, choice, resolved))
    membership = _current(version, stamped)
    if membership is None:
        return None
    user = membership._state.fields_cache.get("user")  # read with the membership; never a lazy query here
    if (user is None or str(user.pk) != str(user_id) or not user.is_active
            or not constant_time_compare(session.get(auth.HASH_SESSION_KEY) or "", user.get_session_auth_hash())):
        return None
    entry = found.get(key)
    guard = entry[1] if entry is not None else None
    if (guard is None or guard[0] != "page" or not membership.can("view_pages") or not membership.can(guard[1])
            or data_version.uncommitted_writes(institution_id=resolved)):
        return None
    return response_cache.from_entry(request, key, response_cache.stamp_of(version, membership), entry)


def _session_keys(request, session_key, principal, user_id, choice, institution_id, membership_cache) -> list[str]:
    return [membership_cache.entry_key(session_key=session_key, user_id=user_id, institution_id=choice),
            response_cache.entry_key(request, principal=principal, institution_choice=choice),
            data_version.version_key(institution_id)]


# -- the API: a bearer token ------------------------------------------------------------------------------
def _token_hit(request):
    from accounts import token_cache
    from accounts.services import hash_token
    from accounts.throttling import PerTokenRateThrottle

    parts = request.META["HTTP_AUTHORIZATION"].split()
    if len(parts) != 2 or parts[0] not in TOKEN_KEYWORDS:
        return None
    digest = hash_token(parts[1])
    token_key, throttle = token_cache.entry_key(digest), PerTokenRateThrottle()
    hint = _HINTS.get(digest)
    stamped = None
    if hint is not None:  # one round trip: the token's entry and the rest
        keys = _token_keys(request, throttle, *hint)
        found = cache.get_many([token_key, *keys])
        stamped = found.get(token_key)
    if stamped is None or stamped[1] is None or _token_hint(stamped[1]) != hint:
        stamped = cache.get(token_key)  # step by step: the token, then the rest
        if stamped is None or stamped[1] is None:
            return None
        hint = _token_hint(stamped[1])
        _remember(digest, hint)
        keys = _token_keys(request, throttle, *hint)
        found = cache.get_many(keys)
    token = stamped[1]
    version_key, key, history_key = keys
    version = found.get(version_key)
    if _current(version, stamped) is None:
        return None
    now = timezone.now()
    membership = getattr(token, "cached_membership", None)
    if (token.is_revoked or token.expires_at <= now or not token.user.is_active
            or token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60
            or membership is None or not membership.can("use_api")
            or data_version.uncommitted_writes(institution_id=token.institution_id)):
        return None
    entry = found.get(key)
    guard = entry[1] if entry is not None else None
    if guard is None or guard[0] != "token" or not token.has_scope(guard[1]):
        return None
    served = response_cache.from_entry(request, key, response_cache.stamp_of(version, membership), entry)
    if served is None or not throttle.allow_token(token, found.get(history_key) or []):
        return None  # a throttled request takes the full path, which answers 429 (and counts nothing)
    return served


def _token_hint(token) -> tuple:
    return token.pk, token.institution_id, tuple(sorted(token.scopes))


def _token_keys(request, throttle, token_id, institution_id, scopes) -> list[str]:
    principal = response_cache.token_principal_of(token_id, scopes)
    return [data_version.version_key(institution_id),
            response_cache.entry_key(request, principal=principal, institution_choice=institution_id),
            throttle.token_cache_key_of(token_id)]
