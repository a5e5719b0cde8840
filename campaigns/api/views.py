"""API views of the Campaigns area; registered on the /api/v1/ router.

Partners read the campaigns they are part of (scope `read`): all of their institution's, or,
when their token has `CampaignTokenGrant`s, only the granted ones. Staff create and revise
campaigns and planned videos (scope `write`, role with `manage_content`).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.models import ApiToken
from accounts.tenancy import owned_or_404
from ichplatform.api import InstitutionScopedViewSet
from ichplatform.response_cache import CachedListMixin
from qca.api.views import _invalid
from qca.models import Configuration, Result

from .. import selectors, services
from ..models import Campaign, PlannedVideo
from .serializers import (
    CampaignResultsSerializer,
    CampaignSerializer,
    CampaignWriteSerializer,
    PlannedVideoSerializer,
    PlannedVideoWriteSerializer,
)

router = SimpleRouter()


def _token(request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


class GrantScopedViewSet(InstitutionScopedViewSet):
    """Scoped to the institution, and to the token's granted campaigns when it has grants."""

    def visible_campaigns(self):
        return selectors.campaigns_of(institution=self.request.institution, token=_token(self.request))


class CampaignViewSet(CachedListMixin, GrantScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Campaigns: goal, period, audiences, strategy and its QCA evidence, planned videos, products."""

    queryset = Campaign.objects.all()
    serializer_class = CampaignSerializer
    filterset_fields = ["strategy", "evidence_result"]
    search_fields = ["name", "goal"]
    ordering_fields = ["starts_on", "ends_on", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return self.visible_campaigns().prefetch_related("products", "planned_videos")

    def _evidence(self, data: dict) -> dict:
        fields = dict(data)
        if fields.get("evidence_result") is not None:
            fields["evidence_result"] = owned_or_404(Result.objects, self.request.institution,
                                                     pk=fields["evidence_result"])
        if fields.get("evidence_configuration") is not None:
            fields["evidence_configuration"] = owned_or_404(Configuration.objects, self.request.institution,
                                                            pk=fields["evidence_configuration"])
        return fields

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer})
    def create(self, request, *args, **kwargs):
        incoming = CampaignWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        fields = self._evidence(incoming.validated_data)
        missing = [k for k in ("name", "goal", "starts_on", "ends_on") if k not in fields]
        if missing:
            return _invalid(ValidationError({k: "This field is required." for k in missing}))
        try:
            campaign = services.campaign_create(institution=request.institution, actor=request.user, **fields)
        except ValidationError as exc:
            return _invalid(exc)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignWriteSerializer, responses={200: CampaignSerializer})
    def partial_update(self, request, *args, **kwargs):
        campaign = self.get_object()
        incoming = CampaignWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        try:
            campaign = services.campaign_update(campaign=campaign, actor=request.user,
                                                **self._evidence(incoming.validated_data))
        except ValidationError as exc:
            return _invalid(exc)
        return Response(CampaignSerializer(campaign).data)

    @extend_schema(responses={200: CampaignResultsSerializer},
                   parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE, description="Default: today.")])
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        """The linked videos' dissemination effect against the baseline and the strategy's prediction."""
        campaign = self.get_object()
        as_of = None
        if request.query_params.get("as_of"):
            from rest_framework.fields import DateField

            try:
                as_of = DateField().to_internal_value(request.query_params["as_of"])
            except Exception:
                return _invalid(ValidationError({"as_of": "Use a date as YYYY-MM-DD."}))
        results = selectors.campaign_results(campaign=campaign, as_of=as_of)
        return Response(CampaignResultsSerializer({
            "as_of": results.as_of, "baseline_median": results.baseline_median,
            "baseline_count": results.baseline_count, "campaign_median": results.campaign_median,
            "predicted_consistency": results.predicted_consistency,
            "predicted_coverage": results.predicted_coverage, "observed_in_outcome": results.observed_in_outcome,
            "rows": [{"planned_video": r.planned.pk, "title": r.planned.title, "video": r.planned.video_id,
                      "effect": r.effect, "partial": r.partial, "outcome_membership": r.outcome_membership,
                      "configuration_membership": r.configuration_membership} for r in results.rows],
        }).data)


class PlannedVideoViewSet(GrantScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Planned videos with their codes and the QCA recommendation; PATCH `codes` revises the plan
    and recomputes the advice; PATCH `published` links the published YouTube video."""

    queryset = PlannedVideo.objects.all()
    serializer_class = PlannedVideoSerializer
    filterset_fields = ["campaign", "video"]
    ordering_fields = ["planned_on", "created_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return PlannedVideo.objects.filter(campaign__in=self.visible_campaigns()) \
            .select_related("recommendation__nearest")

    @extend_schema(request=PlannedVideoWriteSerializer, responses={201: PlannedVideoSerializer})
    def create(self, request, *args, **kwargs):
        incoming = PlannedVideoWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        if "campaign" not in data or "title" not in data:
            return _invalid(ValidationError({k: "This field is required." for k in ("campaign", "title")
                                             if k not in data}))
        campaign = owned_or_404(self.visible_campaigns(), request.institution, pk=data["campaign"])
        try:
            planned = services.planned_video_create(campaign=campaign, actor=request.user, title=data["title"],
                                                    codes=data.get("codes", {}), notes=data.get("notes", ""),
                                                    planned_on=data.get("planned_on"))
            if data.get("published"):
                planned = services.planned_video_link(planned=planned, actor=request.user, youtube=data["published"])
        except ValidationError as exc:
            return _invalid(exc)
        return Response(PlannedVideoSerializer(planned).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PlannedVideoWriteSerializer, responses={200: PlannedVideoSerializer})
    def partial_update(self, request, *args, **kwargs):
        planned = self.get_object()
        incoming = PlannedVideoWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            planned = services.planned_video_revise(planned=planned, actor=request.user, codes=data.get("codes"),
                                                    title=data.get("title"), notes=data.get("notes"),
                                                    planned_on=data.get("planned_on"))
            if data.get("published"):
                planned = services.planned_video_link(planned=planned, actor=request.user, youtube=data["published"])
        except ValidationError as exc:
            return _invalid(exc)
        return Response(PlannedVideoSerializer(planned).data)


router.register("campaigns/planned-videos", PlannedVideoViewSet, basename="campaign-planned-video")
router.register("campaigns", CampaignViewSet, basename="campaign")
