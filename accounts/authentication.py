"""`Authorization: Bearer <token>` for partner systems.

Tokens are looked up by their SHA-256 digest; an unknown, expired or revoked
token is a 401 with a body that says which, so a partner can act on it.
"""

from django.utils import timezone
from rest_framework import authentication, exceptions

from . import token_cache
from .models import ApiToken
from .services import hash_token


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] not in (self.keyword, "Token"):
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header: use 'Bearer <token>'.")
        token = token_cache.resolve(hash_token(parts[1]))  # exact: see accounts/token_cache.py
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown API token.", code="token_unknown")
        if token.is_revoked:
            raise exceptions.AuthenticationFailed("This API token has been revoked.", code="token_revoked")
        if token.is_expired:
            raise exceptions.AuthenticationFailed("This API token has expired.", code="token_expired")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The token's user is inactive.", code="user_inactive")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            # Written at most once a minute so a busy partner does not turn reads into writes.
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            token_cache.touched(token)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
