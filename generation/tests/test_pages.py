"""The Generate pages: staff create domains and sets, upload, start/cancel runs, stylise, make
products; coders read only; partners have no pages; files are served only to the institution."""

import io

import pytest
from django.urls import reverse
from PIL import Image

from generation import jobs, rendering, services
from generation.models import (
    CreativeProduct,
    GenerationJob,
    ImageSet,
    RunStatus,
    SourceImage,
    StyleDomain,
    TrainingRun,
)
from ichplatform import data_version

from .helpers import fill_sets, untrained_style_model
from .images import encode, gradient

pytestmark = pytest.mark.django_db


def named(name, data):
    stream = io.BytesIO(data)
    stream.name = name
    return stream


def test_staff_build_a_domain_with_sets_and_upload(tenant_a, media):
    staff = tenant_a.client()
    response = staff.post("/generate/", {"name": "Zhangzhou paper-cut", "description": "red jianzhi"})
    domain = StyleDomain.objects.get(institution=tenant_a.institution)
    assert response.url == reverse("generation:domain", kwargs={"pk": domain.pk})
    response = staff.post(response.url, {"side": "b", "name": "Archive scans"})
    image_set = ImageSet.objects.get(domain=domain)
    assert image_set.side == "b"
    response = staff.post(response.url, {"files": [named("scan.png", encode(gradient())),
                                                   named("scan.txt.png", b"no image here")]})
    page = staff.get(response.url).content.decode()
    assert "scan.png" in page and "not an image" in page and "accepted" in page
    assert SourceImage.objects.filter(image_set=image_set).count() == 1


def test_coder_reads_but_cannot_change(tenant_a, domain):
    coder = tenant_a.client(role="coder")
    assert coder.get(f"/generate/domains/{domain.pk}/").status_code == 200
    assert coder.post("/generate/", {"name": "Coder's domain"}).status_code == 403
    assert coder.get(f"/generate/domains/{domain.pk}/train/").status_code == 403
    assert coder.get("/generate/new/").status_code == 403


def test_partner_has_no_generate_pages(tenant_a):
    assert tenant_a.client(role="partner").get("/generate/").status_code == 403


def test_training_form_queues_a_run_and_the_run_page_shows_it(tenant_a, domain, django_capture_on_commit_callbacks):
    fill_sets(domain, tenant_a.users["staff"], count=2, size=40)
    sets = {s.side: s.pk for s in domain.image_sets.all()}
    staff = tenant_a.client()
    form = {"image_set_a": sets["a"], "image_set_b": sets["b"], "variant": "bilinear", "image_size": 64,
            "iterations": 100, "decay_iterations": 50, "batch_size": 2, "seed": 7, "ngf": 16}
    with django_capture_on_commit_callbacks() as callbacks:
        response = staff.post(f"/generate/domains/{domain.pk}/train/", form)
    run = TrainingRun.objects.get()
    assert response.url == f"/generate/runs/{run.pk}/"
    queued = [c for c in callbacks if not data_version.is_bump(c)]  # the bumps invalidate cached pages
    assert len(queued) == 1, "the run is queued once the transaction commits"
    assert run.config["model"] == {"attention": False, "upsample": "bilinear", "ngf": 16, "ndf": 16, "n_blocks": 6,
                                   "attention_heads": 8}
    assert (run.config["crop_size"], run.config["batch_size"], run.total_iterations) == (64, 2, 150)
    page = staff.get(response.url).content.decode()
    assert "vendor/plotly.min.js" in page and 'id="loss-chart"' in page and "Cancel training" in page
    staff.post(f"/generate/runs/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested
    response = staff.post(f"/generate/runs/{run.pk}/publish/")
    assert TrainingRun.objects.get().style_models.count() == 0


def test_training_form_rejects_empty_sets(tenant_a, domain):
    sets = {s.side: s.pk for s in domain.image_sets.all()}
    response = tenant_a.client().post(f"/generate/domains/{domain.pk}/train/", {
        "image_set_a": sets["a"], "image_set_b": sets["b"], "variant": "improved", "image_size": 32,
        "iterations": 5, "decay_iterations": 0, "batch_size": 1, "seed": 0, "ngf": 8})
    assert response.status_code == 200
    assert "has no images yet" in response.content.decode()
    assert not TrainingRun.objects.exists()


def test_stylise_then_make_every_product_from_the_job_page(tenant_a, domain):
    model = untrained_style_model(domain, tenant_a.users["staff"])
    staff = tenant_a.client()
    response = staff.post("/generate/new/", {"style_model": model.pk, "out_size": "512",
                                             "images": [named("a.png", encode(gradient((120, 90))))]})
    job = GenerationJob.objects.get()
    assert response.url == f"/generate/jobs/{job.pk}/" and job.out_size == 512
    assert "being stylised" in staff.get(response.url).content.decode()
    jobs.job_execute(job_id=job.pk)
    image = job.images.get()
    page = staff.get(response.url).content.decode()
    assert 'class="compare-range"' in page and "Make product" in page
    for kind, extra in (("poster", {"paper": "A3", "dpi": 150, "title": "Spring"}), ("pattern", {"method": "mirror"}),
                        ("sticker", {"border_px": 4}), ("magnified", {"scale": 4})):
        staff.post(f"/generate/images/{image.pk}/products/", {"kind": kind, **extra})
    assert CreativeProduct.objects.count() == 4
    for product in CreativeProduct.objects.all():
        assert rendering.product_render(product_id=product.pk) == "done", product.error
    listing = staff.get("/generate/products/").content.decode()
    assert listing.count('alt="') == 4 and listing.count("Download</a>") == 4
    poster = CreativeProduct.objects.get(kind="poster")
    download = staff.get(f"/generate/products/{poster.pk}/file/")
    assert download["Content-Disposition"].startswith("attachment") and b"".join(download.streaming_content)[:5] == b"%PDF-"
    magnified = CreativeProduct.objects.get(kind="magnified")
    # The core publishes a x4 magnification model, so no bicubic fallback is used (or labelled).
    assert magnified.provenance["result"] == {"scale": 4, "method": "magnifier", "fallback": False,
                                              "size": [2048, 1536]}
    assert "bicubic fallback" not in listing
    thumb = Image.open(io.BytesIO(b"".join(staff.get(f"/generate/products/{magnified.pk}/thumbnail/").streaming_content)))
    assert max(thumb.size) == 512


def test_gallery_filters_by_domain_model_and_kind(tenant_a, domain):
    staff_user = tenant_a.users["staff"]
    model = untrained_style_model(domain, staff_user)
    other = services.style_domain_create(institution=tenant_a.institution, name="Foshan", actor=staff_user)
    other_model = untrained_style_model(other, staff_user)
    for m, seed in ((model, 1), (other_model, 2)):
        job = jobs.job_submit(style_model=m, files=[(f"img{seed}.png", io.BytesIO(encode(gradient(seed=seed))))],
                              out_size=None, actor=staff_user)
        jobs.job_execute(job_id=job.pk)
    sticker = services.product_create(source=model.jobs.get().images.get(), kind="sticker", options={},
                                      actor=staff_user)
    rendering.product_render(product_id=sticker.pk)
    staff = tenant_a.client()

    def shown(query):
        return staff.get("/generate/gallery/" + query).content.decode().count('class="compare-range"')

    assert shown("") == 2
    assert shown(f"?domain={other.pk}") == 1
    assert shown(f"?model={model.pk}") == 1
    assert shown("?kind=sticker") == 1 and shown("?kind=poster") == 0


def test_files_are_served_only_inside_the_institution(tenant_a, tenant_b, domain):
    model = untrained_style_model(domain, tenant_a.users["staff"])
    job = jobs.job_submit(style_model=model, files=[("x.png", io.BytesIO(encode(gradient())))], out_size=None,
                          actor=tenant_a.users["staff"])
    jobs.job_execute(job_id=job.pk)
    image = job.images.get()
    url = f"/generate/images/{image.pk}/output/"
    assert tenant_a.client().get(url).status_code == 200
    assert tenant_b.client(role="admin").get(url).status_code == 404
    assert tenant_a.client().get(f"/generate/images/{image.pk}/secret/").status_code == 404


def test_staff_choose_the_default_model_of_a_domain_and_the_api_follows(tenant_a, domain):
    import base64

    from accounts.models import AuditEvent

    staff_user = tenant_a.users["staff"]
    first = untrained_style_model(domain, staff_user)
    second = untrained_style_model(domain, staff_user)
    domain.refresh_from_db()
    assert (first.version, second.version, domain.default_model_id) == (1, 2, first.pk), "the first is the default"
    assert tenant_a.client(role="coder").post(f"/generate/models/{second.pk}/default/").status_code == 403

    staff = tenant_a.client()
    response = staff.post(f"/generate/models/{second.pk}/default/")
    assert response.url == f"/generate/domains/{domain.pk}/"
    domain.refresh_from_db()
    assert domain.default_model_id == second.pk
    page = staff.get(response.url).content.decode()
    # One badge (the new default) and one "Make default" button (the old one).
    assert page.count('class="badge ok"') == 1 and page.count("Make default") == 1
    assert AuditEvent.objects.filter(verb="generation.model.default_set", target_id=str(second.pk)).exists()

    partner = tenant_a.api(scopes=("generate",))
    listed = partner.get(f"/api/v1/generation/style-models/?domain={domain.pk}").json()["results"]
    assert {m["id"]: m["is_default"] for m in listed} == {first.pk: False, second.pk: True}
    submitted = partner.post("/api/v1/generation/jobs/", {
        "domain": domain.pk, "image_base64": base64.b64encode(encode(gradient())).decode(),
        "filename": "by-domain.png"}, format="json")
    assert submitted.status_code == 202 and submitted.json()["style_model"] == second.pk


def test_one_job_stylises_many_images_and_tiles_large_prints(tenant_a, domain):
    """Several images in one job; at a print size over the CPU's whole-image limit the core tiles."""
    model = untrained_style_model(domain, tenant_a.users["staff"])
    files = [(f"photo{i}.png", io.BytesIO(encode(gradient((160, 120), seed=i)))) for i in range(3)]
    job = jobs.job_submit(style_model=model, files=files, out_size=600, actor=tenant_a.users["staff"])
    assert jobs.job_execute(job_id=job.pk) == "done (batch of 1)"
    job.refresh_from_db()
    assert job.status == "done" and job.pixels == 3 * 600 * 450
    images = list(job.images.order_by("position"))
    assert [i.input_name for i in images] == ["photo0.png", "photo1.png", "photo2.png"]
    outputs = []
    for image in images:
        # 600 x 450 = 270,000 pixels: over the CPU's 512² whole-image limit, so tiled (256 px tiles).
        assert (image.provenance["tiled"], image.provenance["tile"], image.provenance["device"]) == (True, 256, "cpu")
        with image.output_file.open("rb") as handle:
            result = Image.open(handle)
            result.load()
        assert result.size == (600, 450) and result.mode == "RGB"
        outputs.append(result.tobytes())
    assert len(set(outputs)) == 3, "each image stylised on its own"
