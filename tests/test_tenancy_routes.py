"""Tenancy is security: a member of institution A can neither see nor change any
object of institution B, through any page, admin page or API endpoint.

The routes are enumerated from the URL configuration, so a new route is checked
the day it is added; it fails here until its model has a factory."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from tests.factories import FACTORIES, load_app_factories
from tests.routes import id_routes

load_app_factories()
ROUTES = id_routes()
DENIED = {401, 403, 404, 405}


def _snapshot(obj):
    obj.refresh_from_db()
    return {k: v for k, v in model_to_dict(obj).items() if k != "last_used_at"}


def test_routes_are_enumerated():
    kinds = {route.kind for route in ROUTES}
    assert {"page", "admin"} <= kinds, kinds
    assert len(ROUTES) >= 5


@pytest.mark.parametrize("route", ROUTES, ids=[r.name for r in ROUTES])
def test_member_of_a_cannot_reach_objects_of_b(route, tenant_a, tenant_b):
    model = route.model
    assert model is not None, f"{route.pattern}: declare the model behind this route (tenant_model)"
    assert model in FACTORIES, f"{route.pattern}: add a factory for {model.__name__} in tests/factories.py"
    target = FACTORIES[model](tenant_b)
    before = _snapshot(target)
    url = reverse(route.name, kwargs=route.url_kwargs(target))

    if route.kind == "api":
        client = tenant_a.api(role="admin", scopes=("read", "write", "generate"))
        responses = [client.get(url), client.patch(url, {}, format="json"), client.delete(url)]
        for response in responses:
            assert response.status_code in DENIED, (url, response.status_code)
    else:
        client = tenant_a.client(role="admin")
        for method in (client.get, client.post):
            response = method(url)
            if route.kind == "admin":
                # The admin answers a foreign id with a redirect to its index ("doesn't exist").
                assert response.status_code in DENIED | {302}, (url, response.status_code)
                if response.status_code == 302:
                    assert not response.url.endswith(url)
            else:
                assert response.status_code in DENIED, (url, method, response.status_code)
            assert str(target).encode() not in response.content or not str(target)
    assert _snapshot(target) == before, f"{url} changed an object of another institution"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.kind == "page"], ids=lambda r: r.name)
def test_partner_role_has_no_pages(route, tenant_b):
    target = FACTORIES[route.model](tenant_b)
    response = tenant_b.client(role="partner").get(reverse(route.name, kwargs=route.url_kwargs(target)))
    assert response.status_code in {403, 405}
