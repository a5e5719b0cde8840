"""Per-token request throttling: each token has its own rate (requests/minute)."""

from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken


class PerTokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def allow_request(self, request, view):
        if isinstance(request.auth, ApiToken):
            self.num_requests, self.duration = request.auth.rate_limit_per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.token_cache_key(request.auth)
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def token_cache_key(self, token: ApiToken) -> str:
        return self.token_cache_key_of(token.pk)

    def token_cache_key_of(self, token_id: int) -> str:
        return self.cache_format % {"scope": self.scope, "ident": f"token-{token_id}"}

    def allow_token(self, token: ApiToken, history: list) -> bool:
        """`allow_request` for a token whose history the caller has already read (the early path of
        the response cache fetches it with the entry): the same count, recorded on success only."""
        self.num_requests, self.duration = token.rate_limit_per_minute, 60
        self.key, self.history, self.now = self.token_cache_key(token), history, self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return False
        return self.throttle_success()
