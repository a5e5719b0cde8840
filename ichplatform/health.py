"""/healthz says the process is up; /readyz that the database and broker answer."""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("select 1")


def _check_broker() -> None:
    url = settings.CELERY_BROKER_URL
    if url.startswith(("sqla+sqlite", "sqlalchemy+sqlite")):
        from .embedded_broker import ping

        ping(url)
        return
    from kombu import Connection

    # A fresh connection from the current settings, not the app's pool: the probe
    # must report the broker as it is now, not a pooled connection's past.
    with Connection(url, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


def readyz(request):
    checks, ok = {}, True
    for name, check in (("database", _check_database), ("broker", _check_broker)):
        started = time.perf_counter()
        try:
            check()
            checks[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        except Exception as exc:  # a readiness probe reports any failure, it never raises
            ok = False
            checks[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks}, status=200 if ok else 503)
