"""Benchmark of the metrics harvest: 100,000 tracked videos refreshed through 2,000 mocked
`videos.list` pages into PostgreSQL, by the production code path (`harvest_runs.execute`:
google-api-python-client request building and JSON parsing, ApiCaller with the quota ledger,
one bulk upsert and one cursor save per page).

YouTube's HTTP is an in-process object that generates each page's answer for the ids asked
(`dissemination.tests.youtube_mock.GeneratedVideosHttp`); everything else is real. The
database is a fresh one created for the run and dropped afterwards.

Reported, median of ``--repeat`` runs: wall time of the harvest (setup excluded), rows/s,
SQL statements per page (counted with a connection execute wrapper), for a first harvest of
the day (INSERT) and a re-run on the same day (the same rows, ON CONFLICT DO UPDATE).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ichplatform python bench/harvest.py
    python bench/harvest.py --videos 10000 --repeat 1      # quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ichplatform")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ichplatform.settings")

import django

django.setup()

from django.conf import settings
from django.db import connection
from django.test.utils import setup_test_environment

PAGE = 50


class StatementCounter:
    def __init__(self):
        self.kinds: Counter[str] = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.kinds[sql.split(None, 1)[0].upper()] += 1
        return execute(sql, params, many, context)

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


def harvest_once(institution, n_videos: int) -> dict:
    from dissemination import harvest_runs
    from dissemination.models import HarvestKind, HarvestStatus

    run = harvest_runs.start_harvest(institution=institution, kind=HarvestKind.REFRESH,
                                     parameters={"trigger": "bench"}, actor=None, enqueue=False)
    counter = StatementCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        done = harvest_runs.execute(run_id=run.pk)
    wall = time.perf_counter() - started
    assert done.status == HarvestStatus.SUCCEEDED, done.staff_message
    assert done.progress_done == n_videos and done.calls_made == n_videos // PAGE
    pages = n_videos // PAGE
    return {"wall": wall, "rows_per_s": n_videos / wall, "statements": counter.total,
            "per_page": counter.total / pages, "kinds": dict(counter.kinds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark measures the production profile.")

    connection.settings_dict["TEST"]["NAME"] = f"bench_harvest_{os.getpid()}"  # never a shared test DB
    settings.YOUTUBE_API_KEY = "bench-key"
    settings.YOUTUBE_DAILY_QUOTA = 10_000 * args.repeat * 2
    settings.YOUTUBE_HTTP_FACTORY = "dissemination.tests.youtube_mock.GeneratedVideosHttp"
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from accounts.services import institution_create
        from dissemination.models import HarvestRun, MetricSnapshot, QuotaLedger, Video

        institution = institution_create(name="Benchmark institution")
        width = 11 - 2
        for start in range(0, args.videos, 10_000):
            Video.objects.bulk_create([Video(institution=institution, youtube_id=f"bv{n:0{width}d}")
                                       for n in range(start, min(start + 10_000, args.videos))])
        results = {"insert": [], "upsert": []}
        for _ in range(args.repeat):
            MetricSnapshot.objects.all().delete()
            HarvestRun.objects.all().delete()
            QuotaLedger.objects.all().delete()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # each repeat starts from the same table state
            results["insert"].append(harvest_once(institution, args.videos))
            results["upsert"].append(harvest_once(institution, args.videos))
        assert MetricSnapshot.objects.count() == args.videos  # the re-run duplicated nothing
        server = connection.cursor().connection.info.server_version
        print(f"{args.videos} videos, {args.videos // PAGE} pages, PostgreSQL {server // 10000}, "
              f"{os.cpu_count()} cores, median of {args.repeat}")
        print("| run | wall time (s) | rows/s | SQL statements per page |")
        print("|---|---|---|---|")
        for label, runs in results.items():
            print(f"| {'first harvest of the day (insert)' if label == 'insert' else 're-run, same day (upsert)'} "
                  f"| {statistics.median(r['wall'] for r in runs):.1f} "
                  f"| {statistics.median(r['rows_per_s'] for r in runs):,.0f} "
                  f"| {statistics.median(r['per_page'] for r in runs):.2f} |")
        print("statements by kind (last run):", results["upsert"][-1]["kinds"])
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
