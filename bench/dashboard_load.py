"""Load benchmark of the staff dashboard, the video list and the main API list endpoints.

A PostgreSQL database is filled with generated data (``--institutions`` institutions,
``--videos`` videos spread over them, ``--days`` daily snapshots per video, written with COPY,
then each video's metrics summary computed by `metrics_summary.refresh` as the harvest does),
gunicorn serves the platform on loopback (``--workers`` processes x ``--threads`` threads), and
`wrk` (C, epoll; a second process) drives ``--clients`` keep-alive connections for
``--seconds`` seconds, each request picking a page or endpoint and an institution at random
(staff session cookie for pages, partner token for the API). wrk runs one connection per wrk
thread so its Lua hooks can time each request (CLOCK_MONOTONIC through LuaJIT's FFI) and
write ``path latency status response-cache-outcome`` lines, from which p50/p95 and the hit ratio
(``X-Response-Cache``: hit or revalidated) per target are computed here. Pages are asked with the
session and a CSRF cookie, as a browser does (a page is cached only for a browser holding it).

Reported: p50/p95, hit ratio and throughput per target, the service time of each target alone (no
other request in flight), the SQL queries each page issues on a response-cache hit and miss
(counted in-process with Django's test client; the dashboard also after a write, both caches
missed), the in-process CPU per request of a hit, a miss and with the response cache off (this
process and its PostgreSQL backend, from /proc/PID/schedstat: load-independent), and the machine
during the run (load average, CPU busy, and the CPU seconds of the gunicorn workers and of wrk).

``--vary`` asks the lists with random page numbers, filters and orderings (`vary_mix`), so that
many requests are the first of their key: an honest lower hit ratio. ``--cpu-only`` reports the
in-process figures without the load run.

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
local variants = {VARIANTS}
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
  local path = current[1]
  local queries = variants[path]
  if queries then path = path .. queries[math.random(#queries)] end
  started = now()
  return wrk.format("GET", path, current[2])
end
function response(status, headers, body)
  out:write(current[1], " ", string.format("%.6f", now() - started), " ", status, " ",
            headers["X-Response-Cache"] or "-", "\n")
end
"""
THINK = """
function delay()
  return THINK_MS
end
"""


def _lua_string(value: str) -> str:
    return json.dumps(value)  # ASCII here (paths, session keys, tokens): JSON escapes are Lua's


def vary_mix() -> dict[str, list[str]]:
    """`--vary`: the query strings each list is asked with, picked at random per request (page
    numbers, filters, orderings), so that many requests are the first of their key."""
    pages = [f"page={n}" for n in range(1, 11)]
    return {
        "/disseminate/videos/": [f"?{p}{f}" for p in pages
                                 for f in ("", "&status=tracked", "&min_views=10000", "&min_views=100000")],
        "/api/v1/videos/": [f"?{p}{o}" for p in pages for o in ("", "&ordering=-published_at", "&ordering=published_at",
                                                              "&ordering=-latest_views", "&ordering=latest_views",
                                                              "&ordering=-created_at")],
        "/api/v1/snapshots/": [f"?{p}{o}" for p in pages for o in ("", "&ordering=-captured_on", "&ordering=captured_on")],
        # one page of campaigns and studies: only their orderings vary
        "/api/v1/campaigns/": ["", "?ordering=-created_at", "?ordering=starts_on", "?ordering=-ends_on"],
        "/api/v1/qca/studies/": ["", "?ordering=-created_at", "?ordering=as_of"],
    }


def _headers(tenant: dict, path: str) -> dict[str, str]:
    """A browser's cookies (session and CSRF: a page is cacheable only for a browser that holds its CSRF
    cookie) for pages, the partner's token for the API."""
    if path in PAGES:
        return {"Cookie": f"sessionid={tenant['session']}; csrftoken={tenant['csrf']}"}
    return {"Authorization": f"Bearer {tenant['token']}"}


def wrk_script(spec: list[dict], outdir: Path, think_ms: int = 0, vary: bool = False) -> str:
    entries = []
    for tenant in spec:
        for path in PAGES + API:
            (name, value), = _headers(tenant, path).items()
            entries.append(f"{{{_lua_string(path)}, {{[{_lua_string(name)}] = {_lua_string(value)}}}}}")
    variants = vary_mix() if vary else {}
    lua_variants = "{" + ",\n".join(f"[{_lua_string(path)}] = {{{', '.join(_lua_string(q) for q in queries)}}}"
                                      for path, queries in variants.items()) + "}"
    script = WRK_SCRIPT.replace("{TARGETS}", "{" + ",\n".join(entries) + "}").replace("{VARIANTS}", lua_variants) \
        .replace("OUTDIR", str(outdir))
    return script + (THINK.replace("THINK_MS", str(think_ms)) if think_ms else "")


def run_wrk(port: int, spec: list[dict], clients: int, seconds: float, outdir: Path,
            think_ms: int = 0, vary: bool = False) -> tuple[list, float, float]:
    """(path, seconds, status, response cache outcome) samples, wrk's CPU seconds and the run's wall
    seconds."""
    for old in outdir.glob("samples-*.txt"):
        old.unlink()
    script = outdir / "load.lua"
    script.write_text(wrk_script(spec, outdir, think_ms, vary))
    before = os.times()
    started = time.perf_counter()
    subprocess.run(["wrk", "-t", str(clients), "-c", str(clients), "-d", f"{seconds:g}s", "--timeout", "120s",
                    "-s", str(script), f"http://127.0.0.1:{port}/"], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = os.times()
    samples = []
    for file in outdir.glob("samples-*.txt"):
        for line in file.read_text().splitlines():
            path, latency, status, outcome = line.split()
            samples.append((path, float(latency), int(status), outcome))
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
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.test import Client
    from django.utils.crypto import get_random_string

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
                     "csrf": get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS),
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


def _client(tenant: dict):
    """An in-process client that sends what wrk sends (session and CSRF cookies, or the token)."""
    from django.test import Client

    client = Client()
    client.cookies["sessionid"], client.cookies["csrftoken"] = tenant["session"], tenant["csrf"]
    return client


def _get(client, tenant: dict, path: str, **extra):
    headers = {} if path in PAGES else {"HTTP_AUTHORIZATION": f"Bearer {tenant['token']}"}
    response = client.get(path, **headers, **extra)
    assert response.status_code == 200, (path, response.status_code)
    return response


def _queries(spec, connection) -> dict[str, str]:
    """Queries per page / endpoint for the first institution, counted in-process: served from the
    response cache (hit), rendered afresh (miss: `Cache-Control: no-cache`; the dashboard's data
    from its own cache) and, for the dashboard, with both caches invalidated (a write's next request)."""
    from django.test.utils import CaptureQueriesContext

    from ichplatform import data_version

    tenant, queries = spec[0], {}
    client = _client(tenant)
    for path in PAGES + API:
        for _ in range(2):  # first use copies the codebook; fills the caches (a token's entry: twice)
            _get(client, tenant, path)
        counts = []
        for extra in ({}, {"HTTP_CACHE_CONTROL": "no-cache"}):
            with CaptureQueriesContext(connection) as captured:
                _get(client, tenant, path, **extra)
            counts.append(len(captured))
        queries[path] = "{} / {}".format(*counts)
    data_version.bump(tenant["institution"])
    with CaptureQueriesContext(connection) as captured:
        _get(client, tenant, "/")
    queries["/"] += f" ({len(captured)} after a write)"
    return queries


def _schedstat_ns(pid: int) -> int:
    """CPU time a process (or thread) has run, in ns (/proc/PID/schedstat, first field)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def cpu_per_request(spec, connection, repeat: int) -> dict[str, dict[str, tuple[float, float]]]:
    """In-process CPU per request (ms) of each target, load-independent: (this process's CPU, its
    PostgreSQL backend's CPU) for a response-cache hit, a miss (`no-cache`: rendered and stored; the
    dashboard's data from its own cache) and with the response cache off. The median of 5 batches."""
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    tenant, client, results = spec[0], _client(spec[0]), {}
    modes = {"hit": ({}, True), "miss": ({"HTTP_CACHE_CONTROL": "no-cache"}, True), "off": ({}, False)}
    for path in PAGES + API:
        _get(client, tenant, path)
        _get(client, tenant, path)
        results[path] = {}
        for mode, (extra, enabled) in modes.items():
            settings.RESPONSE_CACHE_ENABLED = enabled
            batches = []
            try:
                for _ in range(5):
                    cpu, pg = time.process_time(), _schedstat_ns(backend)
                    for _ in range(repeat):
                        _get(client, tenant, path, **extra)
                    batches.append(((time.process_time() - cpu) * 1000 / repeat,
                                    (_schedstat_ns(backend) - pg) / 1e6 / repeat))
            finally:
                settings.RESPONSE_CACHE_ENABLED = True
            results[path][mode] = (statistics.median(b[0] for b in batches), statistics.median(b[1] for b in batches))
    return results


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
    parser.add_argument("--vary", action="store_true",
                        help="random page numbers, filters and orderings on the lists (a lower hit ratio)")
    parser.add_argument("--cpu-repeat", type=int, default=100,
                        help="requests per batch of the in-process CPU measurement (0: skip it)")
    parser.add_argument("--cpu-only", action="store_true", help="only the in-process measurements, no load")
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
        cpu = cpu_per_request(spec, connection, args.cpu_repeat) if args.cpu_repeat else {}
        if args.cpu_only:
            report(args, [], queries, {}, n_videos, n_snapshots, setup_s, connection, None, cpu)
            return
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
        samples, wrk_cpu, wall = run_wrk(args.port, spec, args.clients, args.seconds, outdir, args.think_ms,
                                         args.vary)
        busy_after, gunicorn_after, load_after = _cpu_times(), _process_cpu(workers), os.getloadavg()
        machine = {"load_before": load_before, "load_after": load_after, "wall": wall, "wrk_cpu": wrk_cpu,
                   "gunicorn_cpu": gunicorn_after - gunicorn_before,
                   "busy": (busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1)}
        report(args, samples, queries, alone, n_videos, n_snapshots, setup_s, connection, machine, cpu)
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
            connection.request("GET", path, headers=_headers(tenant, path))
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
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            started = time.perf_counter()
            connection.request("GET", path, headers=_headers(tenant, path))
            connection.getresponse().read()
            times.append((time.perf_counter() - started) * 1000)
        medians[path] = statistics.median(times)
    return medians


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(args, samples, queries, alone, n_videos, n_snapshots, setup_s, connection, machine, cpu) -> None:
    server = connection.cursor().connection.info.server_version
    out = io.StringIO()
    out.write(f"{args.institutions} institutions, {n_videos:,} videos, {n_snapshots:,} snapshots; "
              f"{args.clients} wrk connections for {args.seconds:g} s, think time {args.think_ms} ms, "
              f"{'varied' if args.vary else 'fixed'} URLs; gunicorn {args.workers} x {args.threads} "
              f"(gthread); PostgreSQL {server // 10000}; {os.cpu_count()} cores; set-up {setup_s:.0f} s; "
              f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n")
    if cpu:
        out.write("\nIn-process CPU per request (ms; Django's test client, this process + its PostgreSQL backend; "
                  "median of 5 batches):\n\n| target | hit | miss | response cache off | queries hit / miss |\n"
                  "|---|---|---|---|---|\n")
        for path in PAGES + API:
            cells = [f"{c[0]:.1f} + {c[1]:.1f}" for c in (cpu[path]["hit"], cpu[path]["miss"], cpu[path]["off"])]
            out.write(f"| `{path}` | {' | '.join(cells)} | {queries[path]} |\n")
    if machine is None:
        print(out.getvalue())
        return
    out.write("\n| target | alone, p50 (ms) | requests under load | errors | hit ratio | p50 (ms) | p95 (ms) | "
              "queries hit / miss |\n|---|---|---|---|---|---|---|---|\n")
    for path in PAGES + API:
        mine = [s for s in samples if s[0] == path]
        ok = [latency * 1000 for _, latency, status, _ in mine if status == 200]
        hits = sum(1 for *_, status, outcome in mine if status == 200 and outcome in ("hit", "revalidated"))
        errors = len(mine) - len(ok)
        ratio = f"{100 * hits / len(ok):.0f} %" if ok else "–"
        if ok:
            out.write(f"| `{path}` | {alone[path]:.0f} | {len(mine)} | {errors} | {ratio} | {statistics.median(ok):.0f} | "
                      f"{_percentile(ok, 0.95):.0f} | {queries[path]} |\n")
        else:
            out.write(f"| `{path}` | {alone[path]:.0f} | {len(mine)} | {errors} | – | – | – | {queries[path]} |\n")
    wall = machine["wall"]
    served = [s for s in samples if s[2] == 200]
    hits = sum(1 for s in served if s[3] in ("hit", "revalidated"))
    out.write(f"throughput: {len(samples) / wall:.0f} requests/s in all; hit ratio {100 * hits / max(len(served), 1):.0f} %; "
              f"load average {machine['load_before'][0]:.2f} before, {machine['load_after'][0]:.2f} after; CPU busy "
              f"{100 * machine['busy']:.0f} % of {os.cpu_count()} cores; gunicorn workers "
              f"{machine['gunicorn_cpu'] / wall:.2f} cores "
              f"({1000 * machine['gunicorn_cpu'] / max(len(samples), 1):.1f} ms CPU per request), "
              f"wrk {machine['wrk_cpu'] / wall:.2f} cores, "
              f"the rest (PostgreSQL, Redis, other sessions) "
              f"{machine['busy'] * os.cpu_count() - (machine['gunicorn_cpu'] + machine['wrk_cpu']) / wall:.2f} cores\n")
    print(out.getvalue())


if __name__ == "__main__":
    main()
