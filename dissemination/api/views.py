"""API views of the Dissemination area; registered on the /api/v1/ router in api/urls.py.

Partners read (scope `read`); staff write videos and start harvests; coders write their own
codings (`code_videos`)."""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from ichplatform.api import InstitutionScopedViewSet
from ichplatform.response_cache import CachedListMixin

from .. import coding, harvest_runs, selectors, services
from ..models import Coding, CodingAssignment, HarvestRun, MetricSnapshot, Video
from .pagination import CachedCountDeferredJoinPagination, CachedCountPagination
from .serializers import (
    CodingSerializer,
    HarvestRunCreateSerializer,
    HarvestRunSerializer,
    SnapshotSerializer,
    VideoSerializer,
)

router = SimpleRouter()


class VideoViewSet(CachedListMixin, InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   mixins.UpdateModelMixin):
    """Tracked videos with their latest counts; staff may switch `tracked` (nothing else is writable)."""

    queryset = Video.objects.all()
    serializer_class = VideoSerializer
    filterset_fields = ["tracked", "source", "channel"]
    search_fields = ["title", "youtube_id"]
    ordering_fields = ["published_at", "created_at", "latest_views"]
    http_method_names = ["get", "patch", "head", "options"]
    pagination_class = CachedCountDeferredJoinPagination

    def scoped_queryset(self):
        return selectors.videos_of(institution=self.request.institution)

    def perform_update(self, serializer):
        if "tracked" in serializer.validated_data:
            services.set_tracked(video=serializer.instance, tracked=serializer.validated_data["tracked"],
                                 actor=self.request.user)


class SnapshotFilter(django_filters.FilterSet):
    captured_after = django_filters.DateFilter(field_name="captured_on", lookup_expr="gte")
    captured_before = django_filters.DateFilter(field_name="captured_on", lookup_expr="lte")

    class Meta:
        model = MetricSnapshot
        fields = ["video", "captured_on"]


class SnapshotViewSet(CachedListMixin, InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Daily metric snapshots (NULL likes = hidden, NULL comments = disabled)."""

    queryset = MetricSnapshot.objects.all()
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter
    ordering_fields = ["captured_on"]
    pagination_class = CachedCountPagination

    def scoped_queryset(self):
        # Of the video, only what the serializer shows: its whole row (description, tags, codes) was
        # most of what a page of snapshots read and decoded.
        return MetricSnapshot.objects.select_related("video").only(
            "institution", "video", "captured_on", "captured_at", "views", "likes", "comments", "video__youtube_id",
        ).order_by("video_id", "captured_on")


class CodingViewSet(InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    mixins.CreateModelMixin, mixins.UpdateModelMixin):
    """Codings; a coder creates or changes only codes of videos assigned to them."""

    queryset = Coding.objects.all()
    serializer_class = CodingSerializer
    filterset_fields = ["video", "coder", "variable__key"]
    write_capability = "code_videos"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return Coding.objects.select_related("variable", "coder")

    def _save(self, *, video, key, value):
        assignment = CodingAssignment.objects.filter(institution=self.request.institution, video=video,
                                                     coder=self.request.user).first()
        if assignment is None:
            raise PermissionDenied("This video is not assigned to you.")
        saved = coding.codings_save(assignment=assignment, values={key: value}, actor=self.request.user)
        return saved[0]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = self._save(video=serializer.validated_data["video"], key=serializer.validated_data["variable"]["key"],
                           value=serializer.validated_data["value"])
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        if instance.coder_id != request.user.pk:
            raise PermissionDenied("Only the coder who made a coding changes it.")
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        saved = self._save(video=instance.video, key=instance.variable.key,
                           value=serializer.validated_data.get("value", instance.value))
        return Response(self.get_serializer(saved).data)


class HarvestRunViewSet(InstitutionScopedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin):
    """Harvest runs with status, progress and provenance; staff start one with POST."""

    queryset = HarvestRun.objects.all()
    serializer_class = HarvestRunSerializer
    filterset_fields = ["kind", "status"]

    @extend_schema(request=HarvestRunCreateSerializer, responses={202: HarvestRunSerializer})
    def create(self, request, *args, **kwargs):
        data = HarvestRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = harvest_runs.start_harvest(institution=request.institution, kind=data.validated_data["kind"],
                                         parameters=data.validated_data["parameters"], actor=request.user)
        return Response(HarvestRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


router.register("videos", VideoViewSet, basename="video")
router.register("snapshots", SnapshotViewSet, basename="snapshot")
router.register("codings", CodingViewSet, basename="coding")
router.register("harvest-runs", HarvestRunViewSet, basename="harvest-run")
