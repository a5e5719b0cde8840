"""Harvest runs: create, claim, execute, pause for quota, fail with a staff message, resume.

A run is a small state machine persisted in `HarvestRun`:

    queued ─claim→ running ─┬→ succeeded
                            ├→ waiting_quota (quotaExceeded, or today's remaining quota spent;
                            │                 resumed after the Pacific-midnight reset)
                            └→ failed (keyInvalid, forbidden, retries exhausted …; staff may resume)

Resumability: the cursor is saved in the same transaction as each page's rows, so a worker
killed mid-harvest leaves every finished page committed and the cursor after it; the
redelivered task (same Celery task id, acks_late) claims the run again and continues from
the cursor. A page in flight is fetched again and upserted on the same natural keys, so
nothing is duplicated. Per refresh page: one ledger upsert (the API call), one snapshot
bulk upsert, one UPDATE of the page's videos' metrics summary (`metrics_summary.refresh`) and
one run update — four statements (a fifth only when ids disappeared).
"""

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Institution
from accounts.services import record_audit

from . import metrics_summary, quota_ledger, services
from .models import Channel, HarvestKind, HarvestRun, HarvestStatus, Video, VideoSource
from .youtube.caller import ApiCaller, QuotaBudgetExhausted
from .youtube.client import discovery_revision
from .youtube.errors import NotFound, QuotaExceeded, YouTubeApiError
from .youtube.harvest import (
    DAYS_PER_MONTH,
    fetch_channel_stats,
    fetch_video_details,
    fetch_video_stats,
    playlist_pages,
    resolve_channel_id,
    search_pages,
    uploads_playlist_id,
)
from .youtube.quota import calls_for_ids, next_reset, plan_calls
from .youtube.urls import YouTubeRef
from .youtube_access import MissingApiKey, api_key, daily_quota, key_hash, youtube_client

logger = logging.getLogger(__name__)
SOURCE_FOR_KIND = {HarvestKind.VIDEOS: VideoSource.URL, HarvestKind.CHANNEL: VideoSource.CHANNEL,
                   HarvestKind.PLAYLIST: VideoSource.PLAYLIST, HarvestKind.SEARCH: VideoSource.SEARCH}
MAX_SEARCH_RESULTS = 500
# Tests replace this to observe backoff without waiting.
sleep: Callable[[float], None] = time.sleep


# --- creating runs ------------------------------------------------------------------------------

def _check_parameters(kind: str, parameters: dict) -> dict:
    required = {HarvestKind.VIDEOS: "video_ids", HarvestKind.CHANNEL: "channel_ref",
                HarvestKind.PLAYLIST: "playlist_id", HarvestKind.SEARCH: "query"}
    if kind not in HarvestKind.values:
        raise ValidationError({"kind": f"Unknown harvest kind {kind!r}."})
    if kind in required and not parameters.get(required[kind]):
        raise ValidationError({required[kind]: "Required for this kind of harvest."})
    if kind == HarvestKind.SEARCH:
        max_results = int(parameters.get("max_results") or 50)
        if not 1 <= max_results <= MAX_SEARCH_RESULTS:
            raise ValidationError({"max_results": f"Between 1 and {MAX_SEARCH_RESULTS}."})
        parameters["max_results"] = max_results
    if parameters.get("min_views") is not None and int(parameters["min_views"]) < 0:
        raise ValidationError({"min_views": "Cannot be negative."})
    return parameters


@transaction.atomic
def start_harvest(*, institution: Institution, kind: str, parameters: dict, actor, enqueue: bool = True) -> HarvestRun:
    """Record a harvest run and enqueue it on the `harvest` queue once the transaction commits."""
    parameters = _check_parameters(kind, dict(parameters))
    parameters["discovery_revision"] = discovery_revision()
    run = HarvestRun.objects.create(institution=institution, kind=kind, parameters=parameters,
                                    created_by=actor if getattr(actor, "is_authenticated", False) else None)
    record_audit(institution=institution, actor=actor, verb="harvest.started", target=run,
                 data={"kind": kind, "parameters": parameters})
    if enqueue:
        enqueue_run(run)
    return run


def enqueue_run(run: HarvestRun) -> None:
    from .tasks import run_harvest

    transaction.on_commit(lambda: run_harvest.delay(run.pk))


def daily_refresh_run(*, institution: Institution, day) -> HarvestRun | None:
    """Today's refresh run of an institution (created once per day: a duplicate beat tick reuses it)."""
    if not Video.objects.filter(institution=institution, tracked=True).exists():
        return None
    run = HarvestRun.objects.filter(institution=institution, kind=HarvestKind.REFRESH,
                                    parameters__day=day.isoformat()).first()
    return run or start_harvest(institution=institution, kind=HarvestKind.REFRESH,
                                parameters={"day": day.isoformat(), "trigger": "schedule"}, actor=None, enqueue=False)


@transaction.atomic
def resume(*, run: HarvestRun, actor) -> HarvestRun:
    """Staff resume a failed or quota-waiting run from its cursor."""
    if run.status not in (HarvestStatus.FAILED, HarvestStatus.WAITING_QUOTA):
        raise ValidationError("Only a failed run or one waiting for quota can be resumed.")
    run.status, run.resume_at = HarvestStatus.QUEUED, None
    run.save(update_fields=["status", "resume_at"])
    record_audit(institution=run.institution, actor=actor, verb="harvest.resumed", target=run)
    enqueue_run(run)
    return run


def runs_due_for_resume(now: datetime | None = None):
    return HarvestRun.objects.filter(status=HarvestStatus.WAITING_QUOTA, resume_at__lte=now or timezone.now())


# --- claiming and executing -----------------------------------------------------------------------

def claim(*, run_id: int, task_id: str = "", now: datetime | None = None) -> HarvestRun | None:
    """Take the run for this task, or None if another live task has it / it is done / it must wait.

    A redelivered task (worker killed) carries the same task id and takes its run back at once;
    a different task takes a running run only once its heartbeat is stale."""
    now = now or timezone.now()
    with transaction.atomic():
        run = HarvestRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.is_finished:
            return None
        if run.status == HarvestStatus.WAITING_QUOTA and run.resume_at and run.resume_at > now:
            return None
        if (run.status == HarvestStatus.RUNNING and run.task_id != task_id and run.heartbeat_at
                and now - run.heartbeat_at < settings.JOB_STALE_AFTER):
            return None
        run.status, run.task_id, run.heartbeat_at, run.resume_at = HarvestStatus.RUNNING, task_id, now, None
        run.started_at = run.started_at or now
        run.save(update_fields=["status", "task_id", "heartbeat_at", "started_at", "resume_at"])
    return run


class Harvest:
    """What a handler works with: the run, the client, the caller, and a save that also records
    the calls and units spent so far."""

    def __init__(self, run: HarvestRun, client: Any, caller: ApiCaller):
        self.run, self.client, self.caller = run, client, caller
        self.base_calls, self.base_units = run.calls_made, run.quota_spent

    @property
    def remaining_units(self) -> int:
        return (self.caller.budget_units or 0) - self.caller.spent_units

    def save(self, *fields: str) -> None:
        run = self.run
        run.calls_made = self.base_calls + self.caller.calls
        run.quota_spent = self.base_units + self.caller.spent_units
        run.heartbeat_at = timezone.now()
        run.save(update_fields=[*fields, "calls_made", "quota_spent", "heartbeat_at"])


def execute(*, run_id: int, task_id: str = "") -> HarvestRun | None:
    run = claim(run_id=run_id, task_id=task_id)
    if run is None:
        return None
    try:
        key = api_key()
    except MissingApiKey as exc:
        return _fail(run, message=exc.staff_message, error={"reason": "missingApiKey"})
    run.api_key_hash = key_hash(key)
    run.save(update_fields=["api_key_hash"])
    remaining = quota_ledger.remaining_units(api_key_hash=run.api_key_hash, daily_quota=daily_quota())
    caller = ApiCaller(
        on_call=lambda call: quota_ledger.record_call(institution_id=run.institution_id,
                                                      api_key_hash=run.api_key_hash, call=call),
        budget_units=remaining, sleep=lambda seconds: sleep(seconds),
    )
    harvest = Harvest(run, youtube_client(key), caller)
    try:
        HANDLERS[run.kind](harvest)
    except QuotaExceeded as exc:
        return _pause(harvest, resets_at=exc.resets_at, message=exc.staff_message, error=_error(exc))
    except QuotaBudgetExhausted as exc:
        message = (f"Today's remaining YouTube quota was planned and spent ({exc.method} needs {exc.needed} "
                   f"units, {exc.left} left). The harvest continues after the reset at midnight Pacific time.")
        return _pause(harvest, resets_at=None, message=message, error={"reason": "budgetExhausted",
                                                                     "message": str(exc)})
    except YouTubeApiError as exc:
        return _fail(run, harvest=harvest, message=exc.staff_message, error=_error(exc))
    except Exception as exc:
        _fail(run, harvest=harvest, message="The harvest stopped on an unexpected error. It can be resumed; "
              "if it fails again, report it.", error={"reason": type(exc).__name__, "message": str(exc)})
        raise
    return _succeed(harvest)


def _error(exc: YouTubeApiError) -> dict:
    return {"reason": exc.reason, "status": exc.status, "method": exc.method, "message": exc.api_message}


def _append_error(run: HarvestRun, error: dict) -> None:
    run.errors = [*run.errors, {**error, "at": timezone.now().isoformat()}]


def _pause(harvest: Harvest, *, resets_at: datetime | None, message: str, error: dict) -> HarvestRun:
    run = harvest.run
    run.status = HarvestStatus.WAITING_QUOTA
    run.resume_at = resets_at or next_reset(datetime.now(UTC))
    run.staff_message = message
    _append_error(run, error)
    harvest.save("status", "resume_at", "staff_message", "errors")
    record_audit(institution=run.institution, actor=None, verb="harvest.waiting_quota", target=run,
                 data={"resume_at": run.resume_at.isoformat()})
    return run


def _fail(run: HarvestRun, *, message: str, error: dict, harvest: Harvest | None = None) -> HarvestRun:
    run.status, run.staff_message, run.finished_at = HarvestStatus.FAILED, message, timezone.now()
    _append_error(run, error)
    fields = ("status", "staff_message", "finished_at", "errors")
    harvest.save(*fields) if harvest else run.save(update_fields=list(fields))
    record_audit(institution=run.institution, actor=None, verb="harvest.failed", target=run, data=error)
    return run


def _succeed(harvest: Harvest) -> HarvestRun:
    run = harvest.run
    run.status, run.finished_at, run.staff_message, run.stage = HarvestStatus.SUCCEEDED, timezone.now(), "", "done"
    run.progress_done = max(run.progress_done, run.progress_total)
    harvest.save("status", "finished_at", "staff_message", "stage", "progress_done")
    record_audit(institution=run.institution, actor=None, verb="harvest.succeeded", target=run,
                 data={"added": run.videos_added, "updated": run.videos_updated,
                       "unavailable": run.videos_unavailable, "units": run.quota_spent})
    return run


# --- refresh ------------------------------------------------------------------------------------------

def _refresh(h: Harvest) -> None:
    run = h.run
    cursor = run.cursor or {"stage": "metrics", "after_pk": 0}
    if cursor["stage"] == "metrics":
        videos = Video.objects.filter(institution_id=run.institution_id, tracked=True, pk__gt=cursor["after_pk"])
        if run.parameters.get("video_ids"):
            videos = videos.filter(youtube_id__in=run.parameters["video_ids"])
        rows = list(videos.order_by("pk").values_list("pk", "youtube_id", "unavailable_since"))
        channel_calls = calls_for_ids(Channel.objects.filter(institution_id=run.institution_id,
                                                             videos__tracked=True).distinct().count())
        plan = plan_calls(remaining_units=h.remaining_units,
                          wanted=[("videos.list", calls_for_ids(len(rows))), ("channels.list", channel_calls)])
        run.plan = {"granted": plan.granted, "deferred": plan.deferred, "units": plan.units,
                    "remaining_before": h.remaining_units}
        run.progress_total = run.progress_done + len(rows)
        run.stage, run.cursor = "metrics", cursor
        h.save("plan", "progress_total", "stage", "cursor")
        _refresh_metrics(h, rows)
        with transaction.atomic():
            # The videos no page measured (unavailable, untracked) roll forward to today too.
            metrics_summary.refresh_stale(institution_id=run.institution_id)
            run.cursor = cursor = {"stage": "channels", "after_pk": 0}
            h.save("cursor")
    _refresh_channels(h, Channel.objects.filter(institution_id=run.institution_id, videos__tracked=True,
                                                pk__gt=cursor["after_pk"]).distinct())


def _refresh_metrics(h: Harvest, rows: list[tuple]) -> None:
    run = h.run
    by_youtube_id = {youtube_id: (pk, unavailable) for pk, youtube_id, unavailable in rows}
    for batch in fetch_video_stats(h.client, [r[1] for r in rows], caller=h.caller):
        now = timezone.now()
        today = timezone.localdate(now)
        with transaction.atomic():
            found = [(by_youtube_id[r.video_id][0], r) for r in batch.records if r.video_id in by_youtube_id]
            services.upsert_snapshots(institution_id=run.institution_id, rows=found, captured_on=today,
                                      captured_at=now, run_id=run.pk)
            if batch.unavailable:
                run.videos_unavailable += services.mark_unavailable(
                    video_pks=[by_youtube_id[i][0] for i in batch.unavailable], day=today)
                run.unavailable_ids = [*run.unavailable_ids, *batch.unavailable]
            back = [pk for pk, r in found if by_youtube_id[r.video_id][1] is not None]
            if back:
                services.mark_available(video_pks=back)
            run.cursor = {"stage": "metrics", "after_pk": max(by_youtube_id[i][0] for i in batch.requested)}
            run.progress_done += len(batch.requested)
            run.videos_updated += len(found)
            h.save("cursor", "progress_done", "videos_updated", "videos_unavailable", "unavailable_ids")


def _refresh_channels(h: Harvest, channels, recent: dict[str, float] | None = None) -> None:
    """channels.list for the channels (50 a call), then their videos' fan base and activity codes."""
    run = h.run
    pairs = list(channels.order_by("pk").values_list("pk", "youtube_id"))
    pk_of = {youtube_id: pk for pk, youtube_id in pairs}
    run.stage = "channels"
    h.save("stage")
    for batch in fetch_channel_stats(h.client, [youtube_id for _, youtube_id in pairs], caller=h.caller):
        with transaction.atomic():
            pks = services.apply_channel_stats(institution_id=run.institution_id, records=batch.records,
                                               unavailable=batch.unavailable, recent_uploads_per_month=recent)
            services.autofill_final_codes(institution=run.institution,
                                          videos=Video.objects.filter(channel_id__in=pks))
            run.cursor = {**run.cursor, "stage": "channels", "after_pk": max(pk_of[i] for i in batch.requested)}
            h.save("cursor")


# --- adding videos -------------------------------------------------------------------------------------

def _add(h: Harvest) -> None:
    run = h.run
    cursor = run.cursor or {"stage": "collect", "ids": [], "token": None, "pages": 0, "position": 0,
                            "channel_ids": [], "recent_uploads": 0}
    run.cursor = cursor
    if cursor["stage"] == "collect":
        _collect(h)
    if run.cursor["stage"] == "details":
        _details(h)
    if run.cursor["stage"] == "channels":
        recent = None
        if run.kind == HarvestKind.CHANNEL and run.cursor.get("channel_id") and run.cursor.get("listing_complete"):
            recent = {run.cursor["channel_id"]: run.cursor["recent_uploads"] / (365 / DAYS_PER_MONTH)}
        _refresh_channels(h, Channel.objects.filter(institution_id=run.institution_id,
                                                    youtube_id__in=run.cursor["channel_ids"],
                                                    pk__gt=run.cursor.get("after_pk", 0)), recent=recent)


def _collect(h: Harvest) -> None:
    run, cursor = h.run, h.run.cursor
    run.stage = "collect"
    params = run.parameters
    if run.kind == HarvestKind.VIDEOS:
        cursor.update(ids=list(dict.fromkeys(params["video_ids"])), stage="details")
        h.save("cursor", "stage")
        return
    if run.kind == HarvestKind.SEARCH:
        plan = plan_calls(remaining_units=h.remaining_units, wanted=[
            ("search.list", -(-params["max_results"] // 50)), ("videos.list", calls_for_ids(params["max_results"]))])
        run.plan = {"granted": plan.granted, "deferred": plan.deferred, "units": plan.units,
                    "remaining_before": h.remaining_units}
        pages = search_pages(h.client, caller=h.caller, page_token=cursor["token"], **_search_arguments(params))
    else:
        playlist_id = params.get("playlist_id") or _channel_uploads_playlist(h)
        pages = playlist_pages(h.client, playlist_id, caller=h.caller, page_token=cursor["token"])
    h.save("stage", "plan", "cursor")
    limit = params.get("max_results")
    year_ago = datetime.now(UTC) - timedelta(days=365)
    for page in pages:
        ids = list(dict.fromkeys([*cursor["ids"], *(item.video_id for item in page.items)]))
        cursor.update(ids=ids[:limit] if limit else ids, token=page.next_page_token, pages=cursor["pages"] + 1)
        cursor["recent_uploads"] += sum(1 for item in page.items
                                        if getattr(item, "published_at", None) and item.published_at > year_ago)
        run.progress_done = len(cursor["ids"])
        if not page.next_page_token or (limit and len(cursor["ids"]) >= limit):
            cursor.update(stage="details", listing_complete=not page.next_page_token)
            run.progress_done = 0
        h.save("cursor", "progress_done")
        if cursor["stage"] == "details":
            break
    if cursor["stage"] == "collect":  # an empty listing
        cursor.update(stage="details", listing_complete=True)
        h.save("cursor")


def _search_arguments(params: dict) -> dict:
    def when(name):
        return datetime.fromisoformat(params[name]).replace(tzinfo=UTC) if params.get(name) else None

    return {"query": params["query"], "published_after": when("published_after"),
            "published_before": when("published_before"), "region": params.get("region") or None,
            "language": params.get("language") or None, "order": params.get("order") or "relevance",
            "page_size": params["max_results"]}


def _channel_uploads_playlist(h: Harvest) -> str:
    run, cursor = h.run, h.run.cursor
    if not cursor.get("playlist_id"):
        ref = YouTubeRef(**run.parameters["channel_ref"])
        channel_id = resolve_channel_id(h.client, ref, caller=h.caller)
        playlist_id = channel_id and uploads_playlist_id(h.client, channel_id, caller=h.caller)
        if not playlist_id:
            raise NotFound(reason="channelNotFound", status=404, method="channels.list",
                           api_message=f"No channel found for {ref.value!r}. Paste the channel page's "
                                       "@handle or /channel/UC… URL.")
        cursor.update(channel_id=channel_id, playlist_id=playlist_id)
        h.save("cursor")
    return cursor["playlist_id"]


def _details(h: Harvest) -> None:
    run, cursor = h.run, h.run.cursor
    ids, position = cursor["ids"], cursor["position"]
    run.stage, run.progress_total = "details", len(ids)
    h.save("stage", "progress_total")
    min_views = run.parameters.get("min_views")
    short_ids = set(run.parameters.get("short_ids") or ())
    for batch in fetch_video_details(h.client, ids[position:], caller=h.caller):
        with transaction.atomic():
            result = services.ingest_video_records(
                institution_id=run.institution_id, records=batch.records, source=SOURCE_FOR_KIND[run.kind],
                run_id=run.pk, short_ids=short_ids, min_views=int(min_views) if min_views is not None else None)
            if batch.unavailable:
                run.unavailable_ids = [*run.unavailable_ids, *batch.unavailable]
                gone = Video.objects.filter(institution_id=run.institution_id, youtube_id__in=batch.unavailable)
                run.videos_unavailable += services.mark_unavailable(
                    video_pks=gone.values_list("pk", flat=True), day=timezone.localdate())
            services.autofill_final_codes(institution=run.institution,
                                          videos=Video.objects.filter(pk__in=result.video_pks))
            run.videos_added += result.added
            run.videos_updated += result.updated
            cursor["position"] += len(batch.requested)
            cursor["below_min_views"] = cursor.get("below_min_views", 0) + result.below_min_views
            cursor["channel_ids"] = sorted(set(cursor["channel_ids"]) | result.channel_ids)
            run.progress_done = cursor["position"]
            h.save("cursor", "progress_done", "videos_added", "videos_updated", "videos_unavailable",
                   "unavailable_ids")
    cursor.update(stage="channels", after_pk=0)
    h.save("cursor")


HANDLERS: dict[str, Callable[[Harvest], None]] = {
    HarvestKind.REFRESH: _refresh,
    HarvestKind.VIDEOS: _add,
    HarvestKind.CHANNEL: _add,
    HarvestKind.PLAYLIST: _add,
    HarvestKind.SEARCH: _add,
}
