"""Load benchmark of the staff dashboard, the video list and the main API list endpoints.

A PostgreSQL database is filled with generated data (``--institutions`` institutions,
``--videos`` videos spread over them, ``--days`` daily snapshots per video, written with COPY,
then each video's metrics summary computed by `metrics_summary.refresh` as the harvest does),
gunicorn serves the platform on loopback (``--workers`` processes x ``--threads`` threads), and
`wrk` (C, epoll; a second process) drives ``--clients`` keep-alive connections for
``--seconds`` seconds, each request picking a page or endpoint and an institution at random
(staff session cookie for pages, partner token for the API). wrk runs one connection per wrk
thread so its Lua hooks can time each request (CLOCK_MONOTONIC through LuaJIT's FFI) and
write ``path latency status`` lines, from which p50/p95 per target are computed here.

Reported: p50/p95 and throughput per target, the service time of each target alone (no other
request in flight), the SQL queries each page issues (counted in-process with Django's test
client; the dashboard both from its cache and on a miss), and the machine during the run
(load average, CPU busy, and the CPU seconds of the gunicorn workers and of wrk).

``--think-ms`` makes each client wait after every response (wrk's ``delay()`` hook), for
interactive users rather than the issue's closed loop of back-to-back requests.

``--reuse`` keeps the database (``--db``) after the run and, next time, migrates and reuses it
when it holds the data asked for, skipping the ~2 minute set-up.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ichplatform python bench/dashboard_load.py --reuse
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
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["/", "/disseminate/videos/", "/campaigns/"]
API = ["/api/v1/videos/", "/api/v1/snapshots/", "/api/v1/campaigns/", "/api/v1/qca/studies/"]


# -- the load generator (second process: wrk) ---------------------------------------------------------
WRK_SCRIPT = r"""
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
           int clock_gettime(int clock, bench_timespec *tp); ]]
local ts = ffi.new("bench_timespec")
local function now() ffi.C.clock_gettime(1, ts); return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9 end
local targets = {TARGETS}
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter) end
local out, started, current
function init(args)
  math.randomseed(id * 7919)
  out = io.open("OUTDIR/samples-" .. id .. ".txt", "w")
  out:setvbuf("line")
end
function request()
  current = targets[math.random(#targets)]
  started = now()
  return wrk.format("GET", current[1], current[2])
end
function response(status, headers, body)
  out:write(current[1], " ", string.format("%.6f", now() - started), " ", status, "\n")
end
"""
THINK = """
function delay()
  return THINK_MS
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # ASCII here (paths, session keys, tokens): JSON escapes are Lua's


def wrk_script(spec: list[dict], outdir: Path, think_ms: int = 0) -> str:
    entries = []
    for tenant in spec:
        for path in PAGES + API:
            header = ("Cookie", f"sessionid={tenant['session']}") if path in PAGES else \
                ("Authorization", f"Bearer {tenant['token']}")
            entries.append(f"{{{_lua_string(path)}, {{[{_lua_string(header[0])}] = {_lua_string(header[1])}}}}}")
    script = WRK_SCRIPT.replace("{TARGETS}", "{" + ",\n".join(entries) + "}").replace("OUTDIR", str(outdir))
    return script + (THINK.replace("THINK_MS", str(think_ms)) if think_ms else "")


def run_wrk(port: int, spec: list[dict], clients: int, seconds: float, outdir: Path,
            think_ms: int = 0) -> tuple[list, float, float]:
    """(path, seconds, status) samples, wrk's CPU seconds and the run's wall seconds."""
    for old in outdir.glob("samples-*.txt"):
        old.unlink()
    script = outdir / "load.lua"
    script.write_text(wrk_script(spec, outdir, think_ms))
    before = os.times()
    started = time.perf_counter()
    subprocess.run(["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "120s",
                    "-s", str(script), f"http://127.0.0.1:{port}/"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = os.times()
    samples = []
    for file in outdir.glob("samples-*.txt"):
        for line in file.read_text().splitlines():
            path, latency, status = line.split()
            samples.append((path, float(latency), int(status)))
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return samples, cpu, wall


def _cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _process_cpu(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(stat[11]) + int(stat[12])) / ticks
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


# -- set-up, server, report (first process) ---------------------------------------------------------
def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def generate(args, connection) -> None:
    """Videos and snapshots by COPY (the ORM would take an hour for 10 million rows), then each
    video's metrics summary by the harvest's own set-based refresh, one institution at a time."""
    from accounts.models import Institution
    from dissemination import metrics_summary
    from dissemination.models import Video

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
    for institution in institutions:
        metrics_summary.refresh(videos=Video.objects.filter(institution_id=institution))
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE dissemination_video")


def _tenants(args) -> list[dict]:
    """The institutions with a staff member and a partner token each (created once, reused)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from accounts import services
    from accounts.models import Institution, Role

    spec = []
    for n in range(args.institutions):
        admin, _ = get_user_model().objects.get_or_create(username=f"bench-admin-{n}")
        institution = Institution.objects.filter(name=f"Bench institution {n}").first()
        staff, _ = get_user_model().objects.get_or_create(username=f"bench-staff-{n}")
        partner, _ = get_user_model().objects.get_or_create(username=f"bench-partner-{n}")
        if institution is None:
            institution = services.institution_create(name=f"Bench institution {n}", creator=admin)
            services.membership_set(institution=institution, user=staff, role=Role.STAFF, actor=admin)
            services.membership_set(institution=institution, user=partner, role=Role.PARTNER, actor=admin)
        token = services.api_token_create(institution=institution, user=partner, name="bench", scopes=["read"],
                                          actor=admin, rate_limit_per_minute=10_000_000)
        client = Client()
        client.force_login(staff)
        spec.append({"institution": institution.pk, "session": client.cookies["sessionid"].value,
                     "token": token.secret, "staff": staff.pk})
    return spec


def _open_database(args, connection) -> tuple[str | None, bool]:
    """Point the connection at the benchmark database: reused (and migrated) with --reuse when it
    holds the data asked for, else created afresh. Returns (name to restore, reused)."""
    from django.core.management import call_command

    name = args.db if args.reuse else f"{args.db}_{os.getpid()}"
    if args.reuse:
        with connection._nodb_cursor() as cursor:  # the configured database need not exist
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cursor.fetchone() is not None
        if exists:
            old_name = connection.settings_dict["NAME"]
            connection.close()
            connection.settings_dict["NAME"] = name
            call_command("migrate", verbosity=0)
            from dissemination.models import Video

            if Video.objects.count() == args.videos:
                return old_name, True
            connection.close()
            connection.settings_dict["NAME"] = old_name
    connection.settings_dict["TEST"]["NAME"] = name
    return connection.creation.create_test_db(verbosity=0, autoclobber=True), False


def _queries(spec, connection) -> dict[str, int]:
    """Queries per page / endpoint, for the first institution, counted in-process; the dashboard
    served from its cache ("/") and computed afresh ("/ (cache miss)")."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from ichplatform import dashboard_cache

    queries = {}
    client = Client()
    client.force_login(get_user_model().objects.get(pk=spec[0]["staff"]))
    for path in PAGES:
        client.get(path)  # first use copies the codebook; fills the dashboard's cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200, path
        queries[path] = len(captured)
    dashboard_cache.invalidate(institution_id=spec[0]["institution"])
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    queries["/ (cache miss)"] = len(captured)
    for path in API:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {spec[0]['token']}")
            assert response.status_code == 200, (path, response.status_code)
        queries[path] = len(captured)
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--institutions", type=int, default=20)
    parser.add_argument("--videos", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=100, help="daily snapshots per video")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="gunicorn processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per process (gthread)")
    parser.add_argument("--think-ms", type=int, default=0,
                        help="each client waits this long after a response (0: closed loop, the issue's load)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", default="bench_dashboard", help="database name (with --reuse: kept and reused)")
    parser.add_argument("--reuse", action="store_true", help="keep the database and reuse it next time")
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="checkout gunicorn serves (e.g. `git archive HEAD` unpacked: a before/after comparison)")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ichplatform")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ichplatform.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: the benchmark measures the production profile.")
    if settings.CACHES["default"]["BACKEND"].endswith("LocMemCache"):
        print("note: CACHE_URL is not set: each gunicorn process caches the dashboard on its own (locmem)")
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    old_name, reused = _open_database(args, connection)
    server = None
    try:
        spec = _tenants(args)
        if not reused:
            generate(args, connection)
        setup_s = time.perf_counter() - started
        from dissemination.models import MetricSnapshot, Video

        n_videos, n_snapshots = Video.objects.count(), MetricSnapshot.objects.count()
        queries = _queries(spec, connection)
        outdir = Path(f"/tmp/bench_dashboard_{os.getpid()}")
        outdir.mkdir(exist_ok=True)
        env = {**os.environ, "DATABASE_URL": f"postgres://{connection.settings_dict['USER']}@"
                                             f"{connection.settings_dict['HOST']}:{connection.settings_dict['PORT']}/"
                                             f"{connection.settings_dict['NAME']}",
               "DJANGO_ALLOWED_HOSTS": "*", "DJANGO_DEBUG": "0"}
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "ichplatform.wsgi:application", "-b",
                                   f"127.0.0.1:{args.port}", "-w", str(args.workers), "--threads", str(args.threads),
                                   "-k", "gthread", "--backlog", "2048", "--log-level", "warning"],
                                  cwd=args.app_dir, env=env)
        _wait_ready(args.port, spec, args.workers)
        alone = _alone(args.port, spec)
        workers = _children(server.pid)
        load_before, busy_before, gunicorn_before = os.getloadavg(), _cpu_times(), _process_cpu(workers)
        samples, wrk_cpu, wall = run_wrk(args.port, spec, args.clients, args.seconds, outdir, args.think_ms)
        busy_after, gunicorn_after, load_after = _cpu_times(), _process_cpu(workers), os.getloadavg()
        machine = {"load_before": load_before, "load_after": load_after, "wall": wall, "wrk_cpu": wrk_cpu,
                   "gunicorn_cpu": gunicorn_after - gunicorn_before,
                   "busy": (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1)}
        report(args, samples, queries, alone, n_videos, n_snapshots, setup_s, connection, machine)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.reuse:
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
    for tenant in spec:  # every institution's dashboard once (each worker's first use of its modules too)
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


def report(args, samples, queries, alone, n_videos, n_snapshots, setup_s, connection, machine) -> None:
    server = connection.cursor().connection.info.server_version
    out = io.StringIO()
    out.write(f"{args.institutions} institutions, {n_videos:,} videos, {n_snapshots:,} snapshots; "
              f"{args.clients} wrk connections for {args.seconds:g} s, think time {args.think_ms} ms; gunicorn {args.workers} x {args.threads} "
              f"(gthread); PostgreSQL {server // 10000}; {os.cpu_count()} cores; set-up {setup_s:.0f} s\n")
    out.write("| target | alone, p50 (ms) | requests under load | errors | p50 (ms) | p95 (ms) | queries |\n"
              "|---|---|---|---|---|---|---|\n")
    for path in PAGES + API:
        mine = [s for s in samples if s[0] == path]
        ok = [latency * 1000 for _, latency, status in mine if status == 200]
        errors = len(mine) - len(ok)
        count = str(queries[path]) + (f" (miss: {queries['/ (cache miss)']})" if path == "/" else "")
        if ok:
            out.write(f"| `{path}` | {alone[path]:.0f} | {len(mine)} | {errors} | {statistics.median(ok):.0f} | "
                      f"{_percentile(ok, 0.95):.0f} | {count} |\n")
        else:
            out.write(f"| `{path}` | {alone[path]:.0f} | {len(mine)} | {errors} | – | – | {count} |\n")
    wall = machine["wall"]
    out.write(f"throughput: {len(samples) / wall:.0f} requests/s in all; load average "
              f"{machine['load_before'][0]:.2f} before, {machine['load_after'][0]:.2f} after; CPU busy "
              f"{100 * machine['busy']:.0f} % of {os.cpu_count()} cores; gunicorn workers "
              f"{machine['gunicorn_cpu'] / wall:.2f} cores "
              f"({1000 * machine['gunicorn_cpu'] / max(len(samples), 1):.1f} ms CPU per request), "
              f"wrk {machine['wrk_cpu'] / wall:.2f} cores, "
              f"the rest (PostgreSQL, other sessions) "
              f"{machine['busy'] * os.cpu_count() - (machine['gunicorn_cpu'] + machine['wrk_cpu']) / wall:.2f} cores\n")
    print(out.getvalue())


if __name__ == "__main__":
    main()
