"""API views of the Learn (fsQCA) area; registered on the /api/v1/ router in api/urls.py.

Partners read studies, analyses and results (scope `read`) and may ask for recommendations for
a planned video (scope `read`: computing advice changes no research data). Staff create studies
and analyses (scope `write`, role with `manage_content`).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from accounts.tenancy import owned_or_404
from ichplatform.api import InstitutionScopedViewSet
from ichplatform.response_cache import CachedListMixin

from .. import prefill, services
from ..models import Analysis, Recommendation, Result, Study
from ..sources import StudyDataError
from .serializers import (SOLUTIONS_PARAMETER, AnalysisSerializer, RecommendationCreateSerializer,
                          RecommendationSerializer, ResultSerializer, StudyCreateSerializer, StudySerializer)

router = SimpleRouter()


def _invalid(exc) -> Response:
    details = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    return Response({"error": {"status": 400, "code": "invalid", "message": "The request is not valid.",
                               "details": details}}, status=status.HTTP_400_BAD_REQUEST)


class StudyViewSet(CachedListMixin, InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   mixins.CreateModelMixin):
    """Studies with their calibrations. POST builds one from the videos (`as_of`) or a table (`file`)."""

    queryset = Study.objects.prefetch_related("conditions")
    serializer_class = StudySerializer
    filterset_fields = ["source", "codebook_version"]
    search_fields = ["name"]
    ordering_fields = ["created_at", "as_of"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=StudyCreateSerializer, responses={201: StudySerializer})
    def create(self, request, *args, **kwargs):
        incoming = StudyCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            if data.get("file"):
                study = services.study_create_from_upload(
                    institution=request.institution, actor=request.user, name=data["name"],
                    filename=data["file"].name, content=data["file"].read(), description=data["description"],
                    outcome_column=data["outcome_column"])
            else:
                study = services.study_create_from_videos(institution=request.institution, actor=request.user,
                                                          name=data["name"], as_of=data["as_of"],
                                                          description=data["description"])
        except StudyDataError as exc:
            return _invalid(exc)
        return Response(StudySerializer(study).data, status=status.HTTP_201_CREATED)


class AnalysisViewSet(InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      mixins.CreateModelMixin):
    """Analyses; POST creates and submits one (inline when small, else queued: poll `status`)."""

    queryset = Analysis.objects.select_related("result")
    serializer_class = AnalysisSerializer
    filterset_fields = ["study", "status"]
    ordering_fields = ["created_at", "finished_at"]

    def create(self, request, *args, **kwargs):
        incoming = AnalysisSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        study = owned_or_404(Study.objects, request.institution, pk=data["study"].pk)
        from django.core.exceptions import ValidationError

        try:
            analysis = services.analysis_create(
                study=study, actor=request.user, name=data.get("name", ""), outcome=data["outcome"],
                conditions=data["conditions"], negate_outcome=data.get("negate_outcome", False),
                incl_cut=data.get("incl_cut", 0.8), n_cut=data.get("n_cut", 1), pri_cut=data.get("pri_cut", 0.5),
                dir_exps=data.get("dir_exps") or None)
        except ValidationError as exc:
            return _invalid(exc)
        analysis = services.analysis_submit(analysis=analysis, actor=request.user)
        return Response(AnalysisSerializer(analysis).data, status=status.HTTP_201_CREATED)


_SOLUTIONS_FORM = OpenApiParameter(
    SOLUTIONS_PARAMETER, OpenApiTypes.STR, enum=["expanded", "compact"], required=False,
    description="`expanded` (default): the solutions as the engine wrote them (`solutions_format` 1) unless that "
                "would exceed 16 MiB; then, and with `compact`, pooled as stored (`solutions_format` 2: each "
                "repeated list once in `pools`, referenced by index; docs/qca.md).")


@extend_schema_view(list=extend_schema(parameters=[_SOLUTIONS_FORM]),
                    retrieve=extend_schema(parameters=[_SOLUTIONS_FORM]))
class ResultViewSet(InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Results: necessity, truth table, the three solutions, configurations with their strategy."""

    queryset = Result.objects.prefetch_related("configurations")
    serializer_class = ResultSerializer
    filterset_fields = ["analysis", "analysis__study"]
    ordering_fields = ["created_at", "solution_coverage"]


class RecommendationViewSet(InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin):
    """Recommendations for planned videos. POST `{result, codes, title}` (or `video_id` /
    `planned_video_id` instead of, or under, `codes`: that video's codes): memberships in every
    sufficient configuration, the nearest one, its strategy and the changes that lift it above 0.5."""

    queryset = Recommendation.objects.select_related("nearest")
    serializer_class = RecommendationSerializer
    filterset_fields = ["result", "strategy"]
    ordering_fields = ["created_at"]
    required_scope = "read"
    write_capability = "use_api"

    @extend_schema(request=RecommendationCreateSerializer, responses={201: RecommendationSerializer})
    def create(self, request, *args, **kwargs):
        from django.core.exceptions import ValidationError

        incoming = RecommendationCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        result = owned_or_404(Result.objects, request.institution, pk=data["result"])
        try:
            picked = None
            if data.get("video_id") is not None:
                picked = prefill.pick(institution=request.institution, result=result,
                                      kind_pk=(prefill.VIDEO, data["video_id"]))
            elif data.get("planned_video_id") is not None:
                picked = prefill.pick(institution=request.institution, result=result,
                                      kind_pk=(prefill.PLANNED, data["planned_video_id"]))
            codes = {**(picked.codes if picked else {}), **data["codes"]}
            recommendation = services.recommendation_create(
                result=result, actor=request.user, codes=codes, title=data["title"] or (picked.title if picked else ""),
                video=picked.video if picked else None)
        except ValidationError as exc:
            return _invalid(exc)
        return Response(RecommendationSerializer(recommendation).data, status=status.HTTP_201_CREATED)


router.register("qca/studies", StudyViewSet, basename="qca-study")
router.register("qca/analyses", AnalysisViewSet, basename="qca-analysis")
router.register("qca/results", ResultViewSet, basename="qca-result")
router.register("qca/recommendations", RecommendationViewSet, basename="qca-recommendation")
