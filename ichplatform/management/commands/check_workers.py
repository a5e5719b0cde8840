from django.core.management.base import BaseCommand, CommandError

from ichplatform.celery import QUEUES
from ichplatform.tasks import worker_selftest


class Command(BaseCommand):
    help = "Send a self-test task to each queue and report which queues have a live worker."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0)
        parser.add_argument("--queues", default=",".join(QUEUES))

    def handle(self, *args, timeout, queues, **options):
        missing = []
        for queue in queues.split(","):
            result = worker_selftest.apply_async(kwargs={"echo": queue}, queue=queue)
            try:
                answer = result.get(timeout=timeout)
                self.stdout.write(f"{queue:<9} ok   {answer['hostname']} pid {answer['pid']}")
            except Exception as exc:
                missing.append(queue)
                result.revoke()
                self.stdout.write(f"{queue:<9} FAIL {type(exc).__name__}: no worker answered in {timeout}s")
        if missing:
            raise CommandError(f"No worker consumes: {', '.join(missing)}")
