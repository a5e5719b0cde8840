"""DRF serializers of the Generation area."""

import base64
import binascii
import io

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import (
    CreativeProduct,
    GeneratedImage,
    GenerationJob,
    ProductKind,
    StyleDomain,
    StyleModel,
)

MAX_BASE64_CHARS = 40 * 1024 * 1024


def _download_url(serializer, field_file, name: str, pk: int) -> str | None:
    """Absolute URL of a download action, or None while the file does not exist yet."""
    if not field_file:
        return None
    url = reverse(name, kwargs={"pk": pk})
    request = serializer.context.get("request")
    return request.build_absolute_uri(url) if request is not None else url


class InstitutionScopedPK(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts rows of the caller's institution (others look non-existent)."""

    def get_queryset(self):
        request = self.context.get("request")
        institution = getattr(request, "institution", None)
        return super().get_queryset().filter(institution=institution) if institution else super().get_queryset().none()


class StyleModelSerializer(serializers.ModelSerializer):
    domain_name = serializers.CharField(source="domain.name", read_only=True)
    is_default = serializers.SerializerMethodField()

    class Meta:
        model = StyleModel
        fields = ["id", "name", "version", "domain", "domain_name", "is_default", "metrics", "training_data",
                  "provenance", "published_at"]

    def get_is_default(self, obj) -> bool:
        return obj.domain.default_model_id == obj.pk


class CreativeProductSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = CreativeProduct
        fields = ["id", "kind", "source", "options", "status", "provenance", "error", "download_url",
                  "created_at", "finished_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj):
        return _download_url(self, obj.file, "generation-product-download", obj.pk)


class GeneratedImageSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    products = CreativeProductSerializer(many=True, read_only=True)

    class Meta:
        model = GeneratedImage
        fields = ["id", "position", "input_name", "width", "height", "provenance", "download_url", "products"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_download_url(self, obj):
        return _download_url(self, obj.output_file, "generation-image-download", obj.pk)


class GenerationJobSerializer(serializers.ModelSerializer):
    images = GeneratedImageSerializer(many=True, read_only=True)

    class Meta:
        model = GenerationJob
        fields = ["id", "status", "style_model", "out_size", "pixels", "source", "batch_size", "device", "error",
                  "images", "created_at", "started_at", "finished_at"]


class JobCreateSerializer(serializers.Serializer):
    """Multipart (`images`, one or more files) or JSON with `image_base64` (no URLs are fetched)."""

    style_model = InstitutionScopedPK(queryset=StyleModel.objects.all(), required=False,
                                      help_text="A style model id; or give `domain` to use its default model.")
    domain = InstitutionScopedPK(queryset=StyleDomain.objects.all(), required=False)
    out_size = serializers.IntegerField(required=False, allow_null=True, min_value=64,
                                        help_text="Long side of the result in pixels; omit to keep the input size.")
    images = serializers.ListField(child=serializers.FileField(), required=False, allow_empty=False)
    image_base64 = serializers.CharField(required=False, max_length=MAX_BASE64_CHARS,
                                         help_text="The image file's bytes, base64-encoded.")
    filename = serializers.CharField(required=False, default="image", max_length=200)

    def validate(self, data):
        if not data.get("style_model"):
            domain = data.get("domain")
            if domain is None:
                raise serializers.ValidationError({"style_model": "Give a style model or a domain."})
            if domain.default_model_id is None:
                raise serializers.ValidationError({"domain": "This domain has no default style model yet."})
            data["style_model"] = domain.default_model
        files = [(f.name, f) for f in data.get("images", [])]
        if data.get("image_base64"):
            try:
                raw = base64.b64decode(data["image_base64"], validate=True)
            except (binascii.Error, ValueError) as exc:
                raise serializers.ValidationError({"image_base64": f"Not valid base64: {exc}"}) from exc
            files.append((data["filename"], io.BytesIO(raw)))
        if not files:
            raise serializers.ValidationError({"images": "Send `images` (multipart) or `image_base64` (JSON)."})
        data["files"] = files
        return data


class ProductCreateSerializer(serializers.Serializer):
    source = InstitutionScopedPK(queryset=GeneratedImage.objects.all(), help_text="A generated image id.")
    kind = serializers.ChoiceField(choices=ProductKind.choices)
    options = serializers.DictField(required=False, default=dict,
                                   help_text="poster: paper, dpi, title, credit, orientation; pattern: method, "
                                             "tile_px; sticker: border_px; magnified: scale.")
