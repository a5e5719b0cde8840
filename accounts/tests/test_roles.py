"""Roles: coders code, staff manage, partners have no pages, admins manage members;
a user of several institutions switches between them; changes are audited."""

import pytest
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import AuditEvent, Membership
from accounts.tenancy import SESSION_KEY


@pytest.mark.parametrize("role,status", [("admin", 200), ("staff", 200), ("coder", 200), ("partner", 403)])
def test_home_page_by_role(tenant_a, role, status):
    assert tenant_a.client(role=role).get("/").status_code == status


@pytest.mark.parametrize("role,status", [("admin", 200), ("staff", 403), ("coder", 403), ("partner", 403)])
def test_only_admins_manage_members(tenant_a, role, status):
    assert tenant_a.client(role=role).get("/institution/members/").status_code == status


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_admin_changes_a_role_and_it_is_audited(tenant_a):
    coder = Membership.objects.get(institution=tenant_a.institution, user=tenant_a.users["coder"])
    response = tenant_a.client(role="admin").post(f"/institution/members/{coder.pk}/", {"role": "staff"})
    assert response.status_code == 302
    coder.refresh_from_db()
    assert coder.role == "staff"
    event = AuditEvent.objects.filter(institution=tenant_a.institution, verb="membership.role_changed").get()
    assert event.actor == tenant_a.users["admin"] and event.data["role"] == "staff"


def test_last_admin_cannot_be_removed(tenant_a):
    admin = Membership.objects.get(institution=tenant_a.institution, user=tenant_a.users["admin"])
    admin_pk = admin.pk
    with pytest.raises(ValidationError):
        services.membership_remove(membership=admin, actor=tenant_a.users["admin"])
    assert Membership.objects.filter(pk=admin_pk, role="admin").exists()


def test_user_switches_between_institutions(tenant_a, tenant_b):
    user = tenant_a.users["staff"]
    services.membership_set(institution=tenant_b.institution, user=user, role="coder", actor=tenant_b.users["admin"])
    client = tenant_a.client(role="staff")
    assert client.get("/").context["current_institution"] == tenant_a.institution
    response = client.post("/institution/switch/", {"institution_id": tenant_b.institution.pk})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == tenant_b.institution.pk
    page = client.get("/")
    assert page.context["current_institution"] == tenant_b.institution
    assert page.context["current_membership"].role == "coder"


def test_cannot_switch_into_a_foreign_institution(tenant_a, tenant_b):
    client = tenant_a.client(role="staff")
    assert client.post("/institution/switch/", {"institution_id": tenant_b.institution.pk}).status_code == 404
    assert client.get("/").context["current_institution"] == tenant_a.institution


def test_admin_adds_a_new_member(tenant_a):
    client = tenant_a.client(role="admin")
    response = client.post("/institution/members/", {"username": "newcoder", "password": "s3cret-pass",
                                                     "role": "coder"})
    assert response.status_code == 302
    assert Membership.objects.get(user__username="newcoder").role == "coder"
