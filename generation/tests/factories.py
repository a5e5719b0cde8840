"""Factories of the Generation models, for the tenancy test of every id-taking route.

Rows are created directly (no files, no queue): the tenancy test only needs an object of
institution B to address; it must never be reached from institution A.
"""

from django.utils import timezone

from generation.models import (
    CreativeProduct,
    GeneratedImage,
    GenerationJob,
    ImageSet,
    JobStatus,
    PixelQuotaUsage,
    RunStatus,
    SourceImage,
    StyleDomain,
    StyleModel,
    TrainingRun,
)
from tests.factories import register


@register(StyleDomain)
def style_domain(tenant):
    return StyleDomain.objects.get_or_create(institution=tenant.institution, name="Paper-cut of " + tenant.institution.slug)[0]


@register(ImageSet)
def image_set(tenant, side="a"):
    domain = style_domain(tenant)
    return ImageSet.objects.get_or_create(institution=tenant.institution, domain=domain, side=side,
                                          name=f"set {side} of {tenant.institution.slug}")[0]


@register(SourceImage)
def source_image(tenant):
    return SourceImage.objects.create(
        institution=tenant.institution, image_set=image_set(tenant), file="generation/none/source.png",
        original_name="secret-photo.png", sha256="ab" * 32, width=64, height=64, original_format="PNG",
        original_mode="RGB", size_bytes=100)


@register(TrainingRun)
def training_run(tenant):
    return TrainingRun.objects.create(
        institution=tenant.institution, domain=style_domain(tenant), image_set_a=image_set(tenant, "a"),
        image_set_b=image_set(tenant, "b"), config={"iterations": 10, "decay_iterations": 0, "variant": "improved"},
        status=RunStatus.FINISHED, total_iterations=10, iteration=10,
        samples=[{"iteration": 10, "name": "generation/none/sample.png"}], weights="generation/none/g.pt")


@register(StyleModel)
def style_model(tenant):
    domain = style_domain(tenant)
    version = domain.style_models.count() + 1
    return StyleModel.objects.create(institution=tenant.institution, domain=domain, name="Secret model",
                                     version=version, weights="generation/none/g.pt")


@register(GenerationJob)
def generation_job(tenant):
    return GenerationJob.objects.create(institution=tenant.institution, style_model=style_model(tenant),
                                        status=JobStatus.DONE, out_size=256, pixels=256 * 256,
                                        finished_at=timezone.now())


@register(GeneratedImage)
def generated_image(tenant):
    return GeneratedImage.objects.create(
        institution=tenant.institution, job=generation_job(tenant), input_name="secret-input.png",
        input_file="generation/none/in.png", output_file="generation/none/out.png", width=256, height=256)


@register(CreativeProduct)
def creative_product(tenant):
    return CreativeProduct.objects.create(institution=tenant.institution, kind="sticker",
                                          source=generated_image(tenant), options={"border_px": 8},
                                          status=JobStatus.DONE, file="generation/none/p.png")


@register(PixelQuotaUsage)
def pixel_quota_usage(tenant):
    token = tenant.token(role="partner", scopes=("generate",)).token
    return PixelQuotaUsage.objects.create(institution=tenant.institution, token=token, day=timezone.now().date(),
                                          pixels=1000)
