"""Partner tokens: hashed at rest, scoped, expiring, revocable, throttled, and every
failure answered with the same error body."""

from datetime import timedelta

from django.utils import timezone

from accounts import services
from accounts.models import ApiToken

ME = "/api/v1/me/"


def test_token_is_stored_as_digest_only(tenant_a):
    issued = tenant_a.token()
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret.startswith("ich_")
    assert stored.digest == services.hash_token(issued.secret)
    assert all(issued.secret not in str(getattr(stored, f.attname)) for f in ApiToken._meta.fields)
    assert stored.prefix == issued.secret[:10]


def test_valid_token_reads_its_own_institution(tenant_a):
    response = tenant_a.api(scopes=("read",)).get(ME)
    assert response.status_code == 200
    assert response.json()["institution"] == tenant_a.institution.name
    assert response.json()["role"] == "partner"
    assert response.json()["scopes"] == ["read"]


def test_wrong_scope_is_403_with_error_body(tenant_a):
    response = tenant_a.api(scopes=("generate",)).get(ME)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["status"] == 403 and "read" in error["message"]


def test_expired_token_is_401(tenant_a):
    issued = tenant_a.token()
    ApiToken.objects.filter(pk=issued.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _client(issued.secret).get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_expired"
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_is_401(tenant_a):
    issued = tenant_a.token()
    services.api_token_revoke(token=issued.token, actor=tenant_a.users["admin"])
    response = _client(issued.secret).get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_revoked"


def test_unknown_token_is_401(db):
    response = _client("ich_not-a-real-token").get(ME)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_unknown"


def test_throttling_per_token_returns_429(tenant_a):
    limited = tenant_a.api(rate_limit_per_minute=3)
    other = tenant_a.api(rate_limit_per_minute=3)
    statuses = [limited.get(ME).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert other.get(ME).status_code == 200, "another token has its own budget"
    body = limited.get(ME).json()["error"]
    assert body["status"] == 429 and body["details"]["retry_after_seconds"] > 0


def test_partner_token_cannot_write(tenant_a):
    client = tenant_a.api(role="partner", scopes=("read", "write"))
    assert client.post(ME, {}).status_code in (403, 405)


def test_token_for_non_member_is_refused(tenant_a, tenant_b):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.api_token_create(institution=tenant_a.institution, user=tenant_b.users["partner"], name="x",
                                  scopes=["read"], actor=tenant_a.users["admin"])


def test_admin_creates_and_revokes_tokens_in_the_ui(tenant_a):
    client = tenant_a.client(role="admin")
    response = client.post("/institution/tokens/", {
        "name": "museum sync", "user": tenant_a.users["partner"].pk, "scopes": ["read"],
        "days_valid": 30, "rate_limit_per_minute": 100})
    assert response.status_code == 200
    token = ApiToken.objects.get(name="museum sync")
    secret = response.context["issued"].secret
    assert secret.encode() in response.content and token.digest == services.hash_token(secret)
    assert client.post(f"/institution/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert tenant_a.client(role="staff").get("/institution/tokens/").status_code == 403


def _client(secret):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client
