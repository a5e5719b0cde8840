"""Every write of an institution's data changes its data version (ichplatform/data_version.py), the
key component that invalidates its cached dashboard, API counts and responses: a save and a delete
of every institution-scoped model (walked from the app registry, built by the tenancy factories each
app registers), the bulk paths that send no signals (queryset update, bulk_create, the harvest's raw
snapshot upsert, the quota ledger), many-to-many changes, memberships and institutions; and only
after commit, once per transaction, never another institution's."""

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AuditEvent, Institution, Role
from dissemination import quota_ledger, services
from dissemination.models import MetricSnapshot, Video
from dissemination.tests.factories import make_video
from dissemination.youtube.caller import ApiCall
from dissemination.youtube.records import VideoRecord
from ichplatform import data_version
from tests.factories import FACTORIES, load_app_factories

load_app_factories()
pytestmark = pytest.mark.django_db
SCOPED = data_version.institution_scoped_models()


def _version(tenant) -> int:
    return data_version.version(institution_id=tenant.institution.pk)


def _commit_so_far():
    """The test's transaction never commits: run the bumps its fixtures left pending, as a commit
    would (a pending bump makes later writes of the same transaction add none)."""
    for _, func, _ in list(connection.run_on_commit):
        if isinstance(func, data_version._Bump) and not func.done:
            func()


@pytest.fixture
def committed(tenant_a, tenant_b, django_capture_on_commit_callbacks):
    """Run a block as if it committed: its on-commit callbacks (the bumps) run at its end."""
    _commit_so_far()
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_every_institution_scoped_model_is_walked_and_has_a_factory():
    labels = {model._meta.label for model in SCOPED}
    assert {"accounts.Membership", "accounts.ApiToken", "dissemination.Video", "dissemination.MetricSnapshot",
            "qca.Analysis", "generation.CreativeProduct", "campaigns.CampaignTokenGrant"} <= labels
    assert [m._meta.label for m in SCOPED if m not in FACTORIES] == []


@pytest.mark.parametrize("model", SCOPED, ids=lambda m: m._meta.label)
def test_a_save_and_a_delete_change_the_version(model, tenant_a, tenant_b, committed):
    with committed():
        obj = FACTORIES[model](tenant_a)
    assert obj.institution_id == tenant_a.institution.pk
    other = _version(tenant_b)
    before = _version(tenant_a)
    with committed():
        obj.save()
    saved = _version(tenant_a)
    assert saved != before
    if model._meta.label in data_version.DELETED_BY_CASCADE_ONLY:
        # No delete receiver (a cascade would load every row): deleted with a parent whose delete bumps,
        # or through the institution-owned queryset, which bumps; audit events only with the institution.
        if model is MetricSnapshot:
            with committed():
                MetricSnapshot.objects.filter(pk=obj.pk).delete()
            assert _version(tenant_a) != saved
        else:
            assert model is AuditEvent and not hasattr(model.objects, "_institution_ids")
    else:
        with committed():
            obj.delete()
        assert _version(tenant_a) != saved
    assert _version(tenant_b) == other


def test_a_rolled_back_write_bumps_nothing_and_a_block_bumps_once(tenant_a, django_capture_on_commit_callbacks):
    video = make_video(tenant_a.institution, youtube_id="rollback001")
    _commit_so_far()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                video.title = "never"
                video.save()
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == []
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        for n in range(5):
            Video(institution=tenant_a.institution, youtube_id=f"many{n:07d}", title="Many").save()
        Video.objects.filter(institution=tenant_a.institution).update(title="renamed")
    assert len(callbacks) == 1


def test_the_bulk_and_raw_sql_paths_bump(tenant_a, tenant_b, committed):
    video = make_video(tenant_a.institution, youtube_id="bulkpath001")
    _commit_so_far()
    other = _version(tenant_b)
    steps = {
        "queryset update": lambda: Video.objects.filter(pk=video.pk).update(title="Renamed"),
        "bulk_create": lambda: Video.objects.bulk_create([Video(institution=tenant_a.institution,
                                                                youtube_id="bulkpath002", title="Bulk")]),
        "bulk_update": lambda: Video.objects.bulk_update([video], ["title"]),
        "harvest upsert (raw SQL)": lambda: services.upsert_snapshots(
            institution_id=tenant_a.institution.pk, captured_on=timezone.localdate(), captured_at=timezone.now(),
            rows=[(video.pk, VideoRecord(video_id=video.youtube_id, views=123, likes=1, comments=0))]),
        "quota ledger (raw SQL)": lambda: quota_ledger.record_call(
            institution_id=tenant_a.institution.pk, api_key_hash="k" * 16,
            call=ApiCall(method="videos.list", units=1, attempt=1, ok=True)),
        "related manager update": lambda: video.snapshots.update(views=7),
        "queryset delete": lambda: Video.objects.filter(youtube_id="bulkpath002").delete(),
    }
    for name, step in steps.items():
        before = _version(tenant_a)
        with committed():
            step()
        assert _version(tenant_a) != before, name
    assert _version(tenant_b) == other


def test_a_many_to_many_change_bumps(tenant_a, committed):
    from campaigns.tests.factories import make_campaign
    from generation.models import CreativeProduct

    campaign = make_campaign(tenant_a, with_evidence=False)
    product = FACTORIES[CreativeProduct](tenant_a)
    _commit_so_far()
    for change in (lambda: campaign.products.add(product), lambda: product.campaigns.remove(campaign)):
        before = _version(tenant_a)
        with committed():
            change()
        assert _version(tenant_a) != before


def test_memberships_bump_every_institution_of_the_user_and_institutions_their_members(tenant_a, tenant_b,
                                                                                       committed):
    staff_a = tenant_a.users["staff"]
    before = (_version(tenant_a), _version(tenant_b))
    with committed():  # staff of A joins B: A's pages list B in the navigation
        account_services.membership_set(institution=tenant_b.institution, user=staff_a, role=Role.CODER,
                                        actor=tenant_b.users["admin"])
    assert _version(tenant_a) != before[0] and _version(tenant_b) != before[1]
    before = (_version(tenant_a), _version(tenant_b))
    with committed():
        tenant_b.institution.name = "Institution B, renamed"
        tenant_b.institution.save()
    assert _version(tenant_a) != before[0] and _version(tenant_b) != before[1]
    institution_id = tenant_b.institution.pk
    before = data_version.version(institution_id=institution_id)
    with committed():  # its audit trail and snapshots go with it (no receivers of their own)
        Institution.objects.get(pk=institution_id).delete()
    assert data_version.version(institution_id=institution_id) != before
