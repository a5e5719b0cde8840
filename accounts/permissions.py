"""API permissions: which institution a request acts for, and what it may do.

A token acts for its own institution with its scopes; a browser session acts for
the session's current institution with the member's role. Safe methods need the
`read` scope; unsafe ones need `write` (or the view's own `required_scope`, e.g.
`generate`) and a role with the view's `write_capability`.
"""

from rest_framework import permissions

from .models import ApiToken, Membership

SAFE = permissions.SAFE_METHODS


def resolve_api_membership(request) -> Membership | None:
    cached = getattr(request, "_api_membership", False)
    if cached is not False:
        return cached
    if isinstance(request.auth, ApiToken):
        if hasattr(request.auth, "cached_membership"):  # read with the token (accounts/token_cache.py)
            membership = request.auth.cached_membership
        else:  # a token authenticated some other way
            membership = Membership.objects.filter(user=request.user, institution=request.auth.institution) \
                .select_related("institution").order_by().first()
    else:
        lazy = getattr(request._request, "membership", None)
        membership = lazy if lazy else None
    request._api_membership = membership
    return membership


class IsInstitutionMember(permissions.BasePermission):
    message = "You are not a member of an institution that may use this API."

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        membership = resolve_api_membership(request)
        if membership is None or not membership.can("use_api"):
            return False
        request.institution = membership.institution
        request.membership = membership
        scope = getattr(view, "required_scope", None) or ("read" if request.method in SAFE else "write")
        if isinstance(request.auth, ApiToken) and not request.auth.has_scope(scope):
            self.message = f"This token lacks the '{scope}' scope."
            return False
        if request.method not in SAFE:
            capability = getattr(view, "write_capability", "manage_content")
            if not membership.can(capability):
                self.message = "Your role may not change this data."
                return False
        return True
