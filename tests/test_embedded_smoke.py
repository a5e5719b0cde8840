"""`make run` smoke: the embedded default (SQLite database, SQLite broker, no
server at all) migrates, seeds, serves web + worker + beat, answers /readyz,
runs a task on every queue, and stops cleanly on SIGTERM."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.embedded, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict:
    # PYTEST_VERSION would make each process pick a per-process test broker file.
    dropped = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "PYTEST_VERSION")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(ICH_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="ichplatform.settings")
    return env


def _manage(env, *args, timeout=300):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                          capture_output=True, text=True, timeout=timeout)


def _get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def test_embedded_profile_serves_and_stops_cleanly(tmp_path):
    env = _embedded_env(tmp_path)
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v0"], ["setup_periodic_tasks"]):
        _manage(env, *step)
    seeded = _manage(env, "seed_demo").stdout
    assert "demo-staff" in seeded and "partner API token" in seeded

    port = _free_port()
    log = open(tmp_path / "run_embedded.log", "w")
    proc = subprocess.Popen([sys.executable, "manage.py", "run_embedded", "--bind", f"127.0.0.1:{port}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, ready = time.monotonic() + 90, None
        while time.monotonic() < deadline and ready is None:
            try:
                status, body = _get_json(f"http://127.0.0.1:{port}/readyz")
                ready = body if status == 200 else None
            except OSError:
                time.sleep(0.5)
        assert ready and ready["checks"]["database"]["ok"] and ready["checks"]["broker"]["ok"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            assert b"Log in" in response.read()
        # The worker consumes every queue on the embedded default.
        checked = _manage(env, "check_workers", "--timeout", "60", timeout=400).stdout
        assert checked.count(" ok ") == 4, checked
        assert (tmp_path / "celerybeat.pid").exists(), "beat is running"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
        log.close()
        print((tmp_path / "run_embedded.log").read_text()[-4000:])
    assert code == 0
    assert "stopped web, worker and beat" in (tmp_path / "run_embedded.log").read_text()
