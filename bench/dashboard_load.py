"""Load benchmark of the staff dashboard, the video list and the main API list endpoints.

A fresh PostgreSQL database is filled with generated data (``--institutions`` institutions,
``--videos`` videos spread over them, ``--days`` daily snapshots per video, written with COPY),
gunicorn serves the platform on loopback, and a second process drives ``--clients`` concurrent
keep-alive clients for ``--seconds`` seconds, each request picking a page or endpoint and an
institution (staff session cookie for pages, partner token for the API). Reported: p50/p95
latency and throughput per target, and the SQL queries each page issues (counted in-process with
Django's test client). The issue's scale is the default (100,000 videos, 10 million snapshots,
20 institutions, 50 clients); smaller runs are for a quick look.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ichplatform python bench/dashboard_load.py
    python bench/dashboard_load.py --videos 10000 --days 30 --seconds 20   # quick
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/disseminate/videos/", "/campaigns/"]
API = ["/api/v1/videos/", "/api/v1/snapshots/", "/api/v1/campaigns/", "/api/v1/qca/studies/"]


# -- the load generator (second process) -----------------------------------------------------------
def run_load(port: int, spec_path: str, clients: int, seconds: float) -> None:
    spec = json.loads(Path(spec_path).read_text())
    targets = [(path, "page") for path in PAGES] + [(path, "api") for path in API]
    samples: list[tuple[str, float, int]] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.monotonic() < stop_at:
            path, kind = rng.choice(targets)
            tenant = rng.choice(spec)
            headers = ({"Cookie": f"sessionid={tenant['session']}"} if kind == "page"
                       else {"Authorization": f"Bearer {tenant['token']}"})
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status = 0
            mine.append((path, time.perf_counter() - started, status))
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(json.dumps(samples))


# -- set-up, server, report (first process) ---------------------------------------------------------
def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def generate(args, connection) -> None:
    """Videos and snapshots by COPY (the ORM would take an hour for 10 million rows)."""
    from accounts.models import Institution

    rng = random.Random(20261128)
    today = datetime.now(UTC).date()
    institutions = list(Institution.objects.order_by("pk").values_list("pk", flat=True))
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cursor:
        video_rows = []
        for n in range(args.videos):
            institution = institutions[n % len(institutions)]
            published = datetime.now(UTC) - timedelta(days=rng.randint(args.days, 3 * args.days + 365))
            video_rows.append((institution, f"b{n:010d}", f"Benchmark video {n}", "", published, True, "demo", "{}",
                               "[]", False, datetime.now(UTC), "", "", "", ""))
        _copy(cursor, "dissemination_video",
              ["institution_id", "youtube_id", "title", "description", "published_at", "tracked", "source",
               "suggested_codes", "tags", "is_short_url", "created_at", "default_language",
               "default_audio_language", "category_id", "thumbnail_url"], video_rows)
        cursor.execute("SELECT id, institution_id FROM dissemination_video ORDER BY id")
        videos = cursor.fetchall()

        def snapshots():
            now = datetime.now(UTC)
            for video_id, institution in videos:
                views = rng.randint(1_000, 2_000_000)
                growth = rng.uniform(0.001, 0.03)
                for day in range(args.days, 0, -1):
                    views = int(views * (1 + growth))
                    yield (institution, video_id, today - timedelta(days=day), now, views, views // 60,
                           views // 900)

        _copy(cursor, "dissemination_metricsnapshot",
              ["institution_id", "video_id", "captured_on", "captured_at", "views", "likes", "comments"],
              snapshots())
        cursor.execute("ANALYZE")
    raw.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=20)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=100, help="daily snapshots per video")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: run as the load process
    args = parser.parse_args()
    if args.load:
        run_load(args.port, args.load, args.clients, args.seconds)
        return

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ichplatform")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ichplatform.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark measures the production profile.")
    name = f"bench_dashboard_{os.getpid()}"
    connection.settings_dict["TEST"]["NAME"] = name
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        from django.contrib.auth import get_user_model

        from accounts import services
        from accounts.models import Role

        started = time.perf_counter()
        spec = []
        for n in range(args.institutions):
            admin = get_user_model().objects.create_user(f"bench-admin-{n}", password="x")
            institution = services.institution_create(name=f"Bench institution {n}", creator=admin)
            staff = get_user_model().objects.create_user(f"bench-staff-{n}", password="x")
            partner = get_user_model().objects.create_user(f"bench-partner-{n}", password="x")
            services.membership_set(institution=institution, user=staff, role=Role.STAFF, actor=admin)
            services.membership_set(institution=institution, user=partner, role=Role.PARTNER, actor=admin)
            token = services.api_token_create(institution=institution, user=partner, name="bench", scopes=["read"],
                                              actor=admin, rate_limit_per_minute=10_000_000)
            client = Client()
            client.force_login(staff)
            spec.append({"institution": institution.pk, "session": client.cookies["sessionid"].value,
                         "token": token.secret, "staff": staff.pk})
        generate(args, connection)
        setup_s = time.perf_counter() - started
        from dissemination.models import MetricSnapshot, Video

        n_videos, n_snapshots = Video.objects.count(), MetricSnapshot.objects.count()

        # Queries per page / endpoint, for the first institution, counted in-process.
        queries = {}
        client = Client()
        client.force_login(get_user_model().objects.get(pk=spec[0]["staff"]))
        for path in PAGES:
            client.get(path)  # first use copies the codebook
            with CaptureQueriesContext(connection) as captured:
                assert client.get(path).status_code == 200, path
            queries[path] = len(captured)
        for path in API:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {spec[0]['token']}")
                assert response.status_code == 200, (path, response.status_code)
            queries[path] = len(captured)

        spec_path = Path(f"/tmp/{name}.json")
        spec_path.write_text(json.dumps(spec))
        env = {**os.environ, "DATABASE_URL": f"postgres://{connection.settings_dict['USER']}@"
                                             f"{connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}/"
                                             f"{connection.settings_dict['NAME']}",
               "DJANGO_ALLOWED_HOSTS": "*", "DJANGO_DEBUG": "0"}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "ichplatform.wsgi:application", "-b",
                                   f"127.0.0.1:{args.port}", "-w", str(args.workers), "--log-level", "warning"],
                                  cwd=ROOT, env=env)
        _wait_ready(args.port, spec, args.workers)
        alone = _alone(args.port, spec)
        load = subprocess.run([sys.executable, __file__, "--load", str(spec_path), "--port", str(args.port),
                               "--clients", str(args.clients), "--seconds", str(args.seconds)],
                              capture_output=True, text=True, check=True)
        samples = json.loads(load.stdout)
        report(args, samples, queries, alone, n_videos, n_snapshots, setup_s, connection)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _wait_ready(port: int, spec: list[dict], workers: int) -> None:
    """Until every worker has booted and served each target once (imports, first connections)."""
    deadline = time.monotonic() + 180
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    tenant = spec[0]
    for _ in range(3 * workers):
        for path in PAGES + API:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            headers = ({"Cookie": f"sessionid={tenant['session']}"} if path in PAGES
                       else {"Authorization": f"Bearer {tenant['token']}"})
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
            assert response.status == 200, (path, response.status)


def _alone(port: int, spec: list[dict], repeat: int = 10) -> dict[str, float]:
    """Median latency of each target with no other request in flight (service time, no queueing)."""
    medians = {}
    for path in PAGES + API:
        times = []
        for n in range(repeat):
            tenant = spec[n % len(spec)]
            headers = ({"Cookie": f"sessionid={tenant['session']}"} if path in PAGES
                       else {"Authorization": f"Bearer {tenant['token']}"})
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            started = time.perf_counter()
            connection.request("GET", path, headers=headers)
            connection.getresponse().read()
            times.append((time.perf_counter() - started) * 1000)
        medians[path] = statistics.median(times)
    return medians


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(args, samples, queries, alone, n_videos, n_snapshots, setup_s, connection) -> None:
    server = connection.cursor().connection.info.server_version
    out = io.StringIO()
    out.write(f"{args.institutions} institutions, {n_videos:,} videos, {n_snapshots:,} snapshots; "
              f"{args.clients} clients for {args.seconds:g} s; gunicorn {args.workers} workers; "
              f"PostgreSQL {server // 10000}; {os.cpu_count()} cores; set-up {setup_s:.0f} s\n")
    out.write("| target | alone, p50 (ms) | requests under load | errors | p50 (ms) | p95 (ms) | queries |\n"
              "|---|---|---|---|---|---|---|\n")
    for path in PAGES + API:
        mine = [s for s in samples if s[0] == path]
        ok = [latency * 1000 for _, latency, status in mine if status == 200]
        errors = len(mine) - len(ok)
        if ok:
            out.write(f"| `{path}` | {alone[path]:.0f} | {len(mine)} | {errors} | {statistics.median(ok):.0f} | "
                      f"{_percentile(ok, 0.95):.0f} | {queries[path]} |\n")
        else:
            out.write(f"| `{path}` | {alone[path]:.0f} | {len(mine)} | {errors} | – | – | {queries[path]} |\n")
    total = len(samples) / args.seconds
    out.write(f"throughput: {total:.0f} requests/s in all\n")
    print(out.getvalue())


if __name__ == "__main__":
    main()
