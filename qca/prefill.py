"""Codes of an existing video to pre-fill a recommendation: a tracked video of the institution
(its final codes, read as a study of the videos reads them) or, when the campaigns app keeps
planned videos with codes, a planned video (its planned codes).

A pick is written `video:<id>` or `planned:<id>` (one select on the page, one field in the
form). Every lookup is scoped to the institution, so another institution's id is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError

from accounts.tenancy import owned_or_404

from .sources import codes_of_video

VIDEO, PLANNED = "video", "planned"
MAX_CHOICES = 300  # newest first; older ones can still be picked by id (?pick=video:<id>)


@dataclass
class Picked:
    kind: str
    obj: object
    codes: dict[str, float]  # {condition column: raw value}; conditions without a value are missing
    missing: list[str]
    title: str
    video: object = None  # the dissemination.Video behind it, if any (kept on the recommendation)

    @property
    def token(self) -> str:
        return f"{self.kind}:{self.obj.pk}"


def planned_video_model():
    """campaigns.PlannedVideo when that app is installed and its planned videos carry codes."""
    if not apps.is_installed("campaigns"):
        return None
    try:
        model = apps.get_model("campaigns", "PlannedVideo")
        model._meta.get_field("codes")
    except (LookupError, FieldDoesNotExist):
        return None
    return model


def videos(*, institution):
    from dissemination.models import Video

    return Video.objects.filter(institution=institution, tracked=True).order_by("-published_at", "-pk")


def planned_videos(*, institution):
    model = planned_video_model()
    if model is None:
        return None
    return model.objects.filter(institution=institution).select_related("campaign").order_by("-pk")


def choices(*, institution) -> list[tuple[str, list[tuple[str, str]]]]:
    """Grouped choices for the picker's select (optgroups)."""
    groups = [("Tracked videos", [(f"{VIDEO}:{v.pk}", v.title or v.youtube_id)
                                  for v in videos(institution=institution)[:MAX_CHOICES]])]
    planned = planned_videos(institution=institution)
    if planned is not None:
        groups.append(("Planned videos (campaigns)", [(f"{PLANNED}:{p.pk}", f"{p.campaign}: {p.title}")
                                                      for p in planned[:MAX_CHOICES]]))
    return [g for g in groups if g[1]]


def parse(token: str) -> tuple[str, int]:
    kind, _, pk = (token or "").partition(":")
    if kind not in (VIDEO, PLANNED) or not pk.isdigit():
        raise ValidationError({"pick": f"{token!r} is not a video: use video:<id> or planned:<id>"})
    return kind, int(pk)


def pick(*, institution, result, kind_pk: tuple[str, int]) -> Picked:
    """The video's codes for the result's conditions. Raises Http404 for another institution's id."""
    kind, pk = kind_pk
    columns = {c["name"]: c for c in result.analysis.study.data["columns"]}
    conditions = list(result.analysis.conditions)
    if kind == VIDEO:
        video = owned_or_404(videos(institution=institution), institution, pk=pk)
        keys = {column: columns.get(column, {}).get("variable_key") or column for column in conditions}
        known = codes_of_video(video=video, keys=keys.values())
        codes = {column: known[key] for column, key in keys.items() if key in known}
        obj, title = video, video.title or video.youtube_id
    elif kind == PLANNED and planned_video_model() is not None:
        obj = owned_or_404(planned_videos(institution=institution), institution, pk=pk)
        planned_codes = obj.codes if isinstance(obj.codes, dict) else {}
        codes = {column: float(planned_codes[column]) for column in conditions
                 if _is_number(planned_codes.get(column))}
        video, title = getattr(obj, "video", None), obj.title
    else:
        raise ValidationError({"pick": "planned videos are not available"})
    return Picked(kind=kind, obj=obj, codes=codes, missing=[c for c in conditions if c not in codes],
                  title=title, video=video)


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)
