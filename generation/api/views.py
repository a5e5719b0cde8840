"""API views of the Generation area; registered on the /api/v1/ router in api/urls.py.

Partners call these with a token of scope `generate` (every view here requires it, reads
included: a read-only partner has no business with stylisation). Submitting a job charges
the token's daily pixel quota; over it, the answer is 429 with the project's error body.
"""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import ApiToken
from ichplatform.api import InstitutionScopedViewSet

from .. import jobs, services
from ..models import CreativeProduct, GeneratedImage, GenerationJob, JobSource, StyleModel
from .serializers import (
    CreativeProductSerializer,
    GeneratedImageSerializer,
    GenerationJobSerializer,
    JobCreateSerializer,
    ProductCreateSerializer,
    StyleModelSerializer,
)

router = SimpleRouter()
BINARY = {(200, "application/octet-stream"): OpenApiTypes.BINARY}


class GenerateScope:
    required_scope = "generate"
    # Partners may submit jobs and products (the `generate` scope is the gate), not edit content.
    write_capability = "use_api"


def file_response(field_file, filename: str):
    if not field_file:
        return Response({"error": {"status": 409, "code": "not_ready", "message": "The file is not ready yet.",
                                   "details": None}}, status=status.HTTP_409_CONFLICT)
    return FileResponse(field_file.open("rb"), as_attachment=True, filename=filename)


def quota_response(exc: jobs.QuotaExceeded) -> Response:
    retry_after = max(1, int((exc.resets_at - jobs.quota_day()).total_seconds()))
    body = {"error": {"status": 429, "code": "pixel_quota_exceeded", "message": exc.message, "details": {
        "daily_pixel_quota": exc.quota, "used_today": exc.used, "requested": exc.requested,
        "resets_at": exc.resets_at.isoformat(), "retry_after_seconds": retry_after}}}
    return Response(body, status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(retry_after)})


class StyleModelViewSet(GenerateScope, mixins.ListModelMixin, mixins.RetrieveModelMixin, InstitutionScopedViewSet):
    """Published style models of the caller's institution."""

    queryset = StyleModel.objects.all()
    serializer_class = StyleModelSerializer
    filterset_fields = ["domain"]

    def scoped_queryset(self):
        return self.queryset.select_related("domain")


class GenerationJobViewSet(GenerateScope, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           InstitutionScopedViewSet):
    """Submit an image (multipart `images` or JSON `image_base64`) → job id; poll until `done`."""

    queryset = GenerationJob.objects.all()
    serializer_class = GenerationJobSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["status", "style_model"]

    def scoped_queryset(self):
        return self.queryset.prefetch_related("images__products")

    @extend_schema(request=JobCreateSerializer, responses={
        202: GenerationJobSerializer, 400: OpenApiResponse(description="Invalid image or options"),
        429: OpenApiResponse(description="Daily pixel quota of the token exceeded")})
    def create(self, request):
        serializer = JobCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token = request.auth if isinstance(request.auth, ApiToken) else None
        try:
            job = jobs.job_submit(style_model=data["style_model"], files=data["files"],
                                  out_size=data.get("out_size"), actor=request.user, api_token=token,
                                  source=JobSource.API if token else JobSource.PAGE)
        except jobs.QuotaExceeded as exc:
            return quota_response(exc)
        job = self.get_queryset().get(pk=job.pk)
        return Response(GenerationJobSerializer(job, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)


class GeneratedImageViewSet(GenerateScope, mixins.RetrieveModelMixin, InstitutionScopedViewSet):
    queryset = GeneratedImage.objects.all()
    serializer_class = GeneratedImageSerializer

    @extend_schema(responses=BINARY)
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        image = self.get_object()
        return file_response(image.output_file, f"stylised-{image.pk}.png")


class CreativeProductViewSet(GenerateScope, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             InstitutionScopedViewSet):
    queryset = CreativeProduct.objects.all()
    serializer_class = CreativeProductSerializer
    filterset_fields = ["kind", "status", "source"]

    @extend_schema(request=ProductCreateSerializer, responses={202: CreativeProductSerializer})
    def create(self, request):
        serializer = ProductCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = services.product_create(source=data["source"], kind=data["kind"], options=data["options"],
                                          actor=request.user)
        return Response(CreativeProductSerializer(product, context={"request": request}).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=BINARY)
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        product = self.get_object()
        suffix = product.file.name.rsplit(".", 1)[-1] if product.file else "bin"
        return file_response(product.file, f"{product.kind}-{product.pk}.{suffix}")


router.register("generation/style-models", StyleModelViewSet, basename="generation-style-model")
router.register("generation/jobs", GenerationJobViewSet, basename="generation-job")
router.register("generation/images", GeneratedImageViewSet, basename="generation-image")
router.register("generation/products", CreativeProductViewSet, basename="generation-product")
