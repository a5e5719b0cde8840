"""Start a real `celery worker` in a subprocess that shares the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker_process(*, queues: str, name: str, log_path: Path, extra_env: dict | None = None):
    # The worker must use this test process's database and broker, which are
    # named after this process (see TEST_RUN_ID in settings).
    env = dict(os.environ, DATABASE_URL=test_database_url(), CELERY_BROKER_URL=settings.CELERY_BROKER_URL,
               PYTHONUNBUFFERED="1", **(extra_env or {}))
    command = [os.path.join(os.path.dirname(sys.executable), "celery"), "-A", "ichplatform", "worker",
               "-Q", queues, "--pool", "solo", "-n", f"{name}@%h", "--include", "tests.celery_support",
               "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    log = open(log_path, "ab")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)



def wait_for(predicate, timeout: float, what: str, interval: float = 0.25) -> None:
    """Poll `predicate` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
