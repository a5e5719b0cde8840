"""The current institution of a request, and the guards that pages use.

A signed-in user works in one institution at a time (kept in the session, switched
from the navigation bar). Pages look objects up only through the current
institution, so another institution's id yields 404, never its data.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject

from . import membership_cache, selectors

SESSION_KEY = "current_institution_id"


def _resolve_membership(request):
    # From the cache while the user's memberships are unchanged (accounts/membership_cache.py).
    return membership_cache.current(user=request.user, session=request.session,
                                    institution_id=request.session.get(SESSION_KEY))


class CurrentInstitutionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: _resolve_membership(request))
        request.institution = SimpleLazyObject(
            lambda: request.membership.institution if request.membership else None
        )
        return self.get_response(request)


def current_membership(request):
    membership = getattr(request, "membership", None)
    # SimpleLazyObject wrapping None is truthy-false only after evaluation.
    return membership if membership else None


def institution_context(request):
    membership = current_membership(request) if hasattr(request, "membership") else None
    return {
        "current_membership": membership,
        "current_institution": membership.institution if membership else None,
        "my_memberships": selectors.memberships_of_user(user=getattr(request, "user", None))
        if membership
        else [],
    }


def require_capability(capability: str):
    """Page decorator: signed in, member of the current institution, role allows it.

    Partners have no pages: their role lacks `view_pages`, so they get 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect(f"/accounts/login/?next={request.path}")
            membership = current_membership(request)
            if membership is None:
                raise PermissionDenied("You are not a member of any institution.")
            if not membership.can("view_pages") or not membership.can(capability):
                raise PermissionDenied("Your role does not allow this page.")
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorator


def owned_or_404(queryset, institution, **lookup):
    """Fetch one object of the institution; any other institution's id is a 404."""
    try:
        return queryset.get(institution=institution, **lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} here.") from exc
