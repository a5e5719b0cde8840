"""Run web + worker + beat on one machine, with no external server.

This is what `make run` ends with. The three processes share the SQLite
database and the SQLite broker file under var/. Ctrl-C (or SIGTERM) stops all
three cleanly; if one of them dies, the others are stopped too and the command
exits non-zero, so a supervisor notices.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand

from ichplatform.celery import QUEUES


class Command(BaseCommand):
    help = "Start web (gunicorn), a Celery worker for every queue and Celery beat."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=os.environ.get("ICH_BIND", "127.0.0.1:8000"))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--concurrency", type=int, default=2)

    def handle(self, *args, bind, web_workers, concurrency, **options):
        bin_dir = os.path.dirname(sys.executable)
        log_dir = settings.VAR_DIR
        commands = {
            "web": [os.path.join(bin_dir, "gunicorn"), "ichplatform.wsgi:application", "--bind", bind,
                    "--workers", str(web_workers), "--threads", "4", "--access-logfile", "-",
                    "--graceful-timeout", "10"],
            "worker": [os.path.join(bin_dir, "celery"), "-A", "ichplatform", "worker", "-Q", ",".join(QUEUES),
                       "--concurrency", str(concurrency), "-n", "embedded@%h", "--loglevel", "INFO"],
            "beat": [os.path.join(bin_dir, "celery"), "-A", "ichplatform", "beat", "--loglevel", "INFO",
                     "--pidfile", str(log_dir / "celerybeat.pid")],
        }
        children = {name: subprocess.Popen(cmd) for name, cmd in commands.items()}
        self.stdout.write(self.style.SUCCESS(f"ichplatform is starting at http://{bind}/ (Ctrl-C stops it)"))

        stopping = {"flag": False}

        def request_stop(signum, frame):
            stopping["flag"] = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        exit_code = 0
        while not stopping["flag"]:
            for name, proc in children.items():
                if proc.poll() is not None:
                    self.stderr.write(f"{name} exited with {proc.returncode}; stopping the others")
                    exit_code, stopping["flag"] = 1, True
                    break
            time.sleep(0.5)
        self._stop_all(children)
        if exit_code:
            sys.exit(exit_code)

    def _stop_all(self, children, grace_seconds: float = 30.0) -> None:
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace_seconds
        for name, proc in children.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {grace_seconds:.0f}s; killing it")
                proc.kill()
                proc.wait()
        self.stdout.write("stopped web, worker and beat")
