"""Partner API: scope `generate`, submission (multipart and base64), polling, downloads,
products, per-token daily pixel quota (429 with the project's error body), batching.

Jobs are executed with the worker-side service (`jobs.job_execute`); the queue path itself
is covered by test_worker.py with a real Celery worker."""

import base64
import io

import pytest
from PIL import Image

from generation import jobs, rendering
from generation.models import GenerationJob, JobStatus, PixelQuotaUsage

from .helpers import untrained_style_model
from .images import encode, gradient

pytestmark = pytest.mark.django_db
JOBS = "/api/v1/generation/jobs/"


@pytest.fixture
def model(domain, tenant_a):
    return untrained_style_model(domain, tenant_a.users["staff"])


def submit(client, model, *, size=(96, 64), seed=0, out_size=None, **extra):
    data = {"style_model": model.pk, "images": io.BytesIO(encode(gradient(size, seed))), **extra}
    data["images"].name = f"photo-{seed}.png"
    if out_size:
        data["out_size"] = out_size
    return client.post(JOBS, data, format="multipart")


def test_generate_scope_is_required(tenant_a, model):
    reader = tenant_a.api(scopes=("read",))
    for response in (reader.get("/api/v1/generation/style-models/"), submit(reader, model)):
        assert response.status_code == 403
        assert "generate" in response.json()["error"]["message"]
    partner = tenant_a.api(scopes=("generate",))
    listed = partner.get("/api/v1/generation/style-models/").json()["results"]
    assert [(m["id"], m["is_default"]) for m in listed] == [(model.pk, True)]


def test_submit_poll_and_download(tenant_a, model):
    partner = tenant_a.api(scopes=("generate",))
    response = submit(partner, model, out_size=128)
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["status"] == "queued" and job["pixels"] == 128 * 85
    assert jobs.job_execute(job_id=job["id"]).startswith("done")
    polled = partner.get(f"{JOBS}{job['id']}/").json()
    assert polled["status"] == "done" and polled["source"] == "api"
    (image,) = polled["images"]
    assert (image["width"], image["height"]) == (128, 85)
    assert image["provenance"]["model"] == {"id": model.pk, "name": model.name, "version": 1,
                                            "domain": model.domain.name}
    assert image["provenance"]["options"]["out_size"] == 128 and image["provenance"]["generated_at"]
    download = partner.get(image["download_url"])
    assert download.status_code == 200
    result = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert result.size == (128, 85) and result.mode == "RGB"


def test_base64_json_submission_with_the_domain_default(tenant_a, model):
    partner = tenant_a.api(scopes=("generate",))
    payload = {"domain": model.domain_id, "image_base64": base64.b64encode(encode(gradient())).decode(),
               "filename": "inline.png"}
    response = partner.post(JOBS, payload, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["style_model"] == model.pk


@pytest.mark.parametrize("payload,field,text", [
    ({"image_base64": "not base64!!"}, "image_base64", "Not valid base64"),
    ({"image_base64": base64.b64encode(b"plain text").decode()}, "images", "not an image"),
    ({}, "images", "Send `images`"),
])
def test_bad_submissions_get_a_clear_400(tenant_a, model, payload, field, text):
    response = tenant_a.api(scopes=("generate",)).post(JOBS, {"style_model": model.pk, **payload}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400 and text in str(error["details"][field])
    assert not GenerationJob.objects.exists()


def test_another_institutions_model_cannot_be_used(tenant_a, tenant_b, model):
    response = submit(tenant_b.api(scopes=("generate",)), model)
    assert response.status_code == 400
    assert "style_model" in response.json()["error"]["details"]


def test_daily_pixel_quota_gives_429_with_a_clear_body(tenant_a, model):
    partner = tenant_a.api(scopes=("generate",), daily_pixel_quota=100 * 100 + 50)
    assert submit(partner, model, size=(100, 100)).status_code == 202
    response = submit(partner, model, size=(100, 100), seed=1)
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "pixel_quota_exceeded" and error["status"] == 429
    assert error["details"]["daily_pixel_quota"] == 10_050
    assert error["details"]["used_today"] == 10_000 and error["details"]["requested"] == 10_000
    assert int(response["Retry-After"]) == error["details"]["retry_after_seconds"] > 0
    assert "10,050 pixels a day" in error["message"]
    # Every request over the remaining budget is refused, and nothing is charged for a refused one.
    assert submit(partner, model, size=(64, 32), seed=2, out_size=None).status_code == 429
    assert PixelQuotaUsage.objects.get().pixels == 10_000
    assert GenerationJob.objects.count() == 1


def test_the_pixel_quota_is_per_token(tenant_a, model):
    spent = tenant_a.api(scopes=("generate",), daily_pixel_quota=100 * 100)
    assert submit(spent, model, size=(100, 100)).status_code == 202
    assert submit(spent, model, size=(100, 100), seed=1).status_code == 429
    # Another token of the same institution has its own budget for the day.
    other = tenant_a.api(scopes=("generate",), daily_pixel_quota=100 * 100)
    assert submit(other, model, size=(100, 100), seed=2).status_code == 202
    assert sorted(PixelQuotaUsage.objects.values_list("pixels", flat=True)) == [10_000, 10_000]


def test_one_multipart_request_submits_several_images(tenant_a, model):
    partner = tenant_a.api(scopes=("generate",))
    files = []
    for seed, size in ((0, (96, 64)), (1, (64, 96))):
        stream = io.BytesIO(encode(gradient(size, seed=seed)))
        stream.name = f"photo-{seed}.png"
        files.append(stream)
    response = partner.post(JOBS, {"style_model": model.pk, "images": files, "out_size": 96}, format="multipart")
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["pixels"] == 2 * 96 * 64
    assert jobs.job_execute(job_id=job["id"]).startswith("done")
    images = partner.get(f"{JOBS}{job['id']}/").json()["images"]
    assert [(i["input_name"], i["width"], i["height"]) for i in images] == [("photo-0.png", 96, 64),
                                                                           ("photo-1.png", 64, 96)]


def test_pages_do_not_consume_a_token_quota(tenant_a, model):
    staff = tenant_a.client(role="staff")
    upload = io.BytesIO(encode(gradient()))
    upload.name = "page.png"
    response = staff.post("/generate/new/", {"style_model": model.pk, "images": [upload], "out_size": ""})
    assert response.status_code == 302
    job = GenerationJob.objects.get()
    assert job.source == "page" and job.api_token is None
    assert not PixelQuotaUsage.objects.exists()


def test_jobs_queued_together_run_as_one_batch(tenant_a, model):
    partner = tenant_a.api(scopes=("generate",))
    ids = [submit(partner, model, seed=i, out_size=128).json()["id"] for i in range(3)]
    other_size = submit(partner, model, seed=9, out_size=256).json()["id"]
    assert jobs.job_execute(job_id=ids[1]) == "done (batch of 3)"
    assert all(jobs.job_execute(job_id=pk) == "nothing to do" for pk in ids)
    done = GenerationJob.objects.filter(pk__in=ids)
    assert {(j.status, j.batch_size) for j in done} == {(JobStatus.DONE, 3)}
    assert GenerationJob.objects.get(pk=other_size).status == JobStatus.QUEUED


def test_products_through_the_api(tenant_a, model):
    partner = tenant_a.api(scopes=("generate",))
    job = submit(partner, model, size=(96, 96)).json()
    jobs.job_execute(job_id=job["id"])
    image_id = partner.get(f"{JOBS}{job['id']}/").json()["images"][0]["id"]
    response = partner.post("/api/v1/generation/products/", {"source": image_id, "kind": "magnified",
                                                             "options": {"scale": 2}}, format="json")
    assert response.status_code == 202, response.content
    product = response.json()
    not_ready = partner.get(f"/api/v1/generation/products/{product['id']}/download/")
    assert not_ready.status_code == 409 and not_ready.json()["error"]["code"] == "not_ready"
    assert rendering.product_render(product_id=product["id"]) == "done"
    product = partner.get(f"/api/v1/generation/products/{product['id']}/").json()
    assert product["status"] == "done" and product["provenance"]["result"]["scale"] == 2
    download = partner.get(product["download_url"])
    assert Image.open(io.BytesIO(b"".join(download.streaming_content))).size == (192, 192)
    bad = partner.post("/api/v1/generation/products/", {"source": image_id, "kind": "poster",
                                                        "options": {"paper": "B9"}}, format="json")
    assert bad.status_code == 400 and "paper" in bad.json()["error"]["details"]


def test_a_failing_job_in_a_batch_is_refunded_and_spares_the_others(tenant_a, model):
    partner = tenant_a.api(scopes=("generate",))
    good, bad = (submit(partner, model, seed=i, out_size=128).json()["id"] for i in range(2))
    broken = GenerationJob.objects.get(pk=bad).images.get()
    broken.input_file.delete(save=False)  # the stored input is lost before the worker reads it
    used = PixelQuotaUsage.objects.get().pixels
    assert jobs.job_execute(job_id=good) == "done (batch of 2)"
    assert GenerationJob.objects.get(pk=good).status == JobStatus.DONE
    failed = GenerationJob.objects.get(pk=bad)
    assert failed.status == JobStatus.FAILED and "photo-1.png" in failed.error
    assert PixelQuotaUsage.objects.get().pixels == used - failed.pixels
    assert partner.get(f"{JOBS}{bad}/").json()["error"] == failed.error
