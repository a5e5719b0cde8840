"""End-to-end benchmark of the partner generation API through the real queue.

Measures, from the partner's side over HTTP (gunicorn), with a real Celery worker on the
`gpu` queue (solo pool, as in production):

* latency of one request, upload -> result available (POST the image, poll the job until
  `done`, download the PNG), at 512² and 2048² output (2048² is tiled by the core);
* throughput with 16 concurrent requests (512²): wall time until all 16 results are
  downloaded, images/s, and the batch sizes the worker formed (jobs of one model and size
  queued together are stylised as one batch).

Everything runs in a throw-away folder (embedded profile: SQLite database and broker) with
the core's bundled demo model (generation/gan/pretrained) published as a style model; the
device is whatever the worker finds (GENERATION_DEVICE=auto: CUDA if present, else CPU).

    python bench/generation_service.py                 # 5 x 512², 2 x 2048², 16 concurrent
    python bench/generation_service.py --repeat 3 --big-repeat 1 --concurrent 16
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(var_dir: Path) -> dict:
    dropped = ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "PYTEST_VERSION")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(ICH_VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="ichplatform.settings", PYTHONUNBUFFERED="1",
               API_DEFAULT_TOKEN_RATE="100000/min")
    return env


def prepare(env: dict) -> str:
    """Migrate, create an institution, publish the demo model, issue a partner token; return the secret."""
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    script = """
from django.contrib.auth import get_user_model
from accounts import services as accounts
from generation import services
from generation.gan.pretrained import DEMO_GENERATOR
user = get_user_model().objects.create_user("bench-admin", password="x")
institution = accounts.institution_create(name="Bench museum", creator=user)
domain = services.style_domain_create(institution=institution, name="Paper-cut", actor=user)
services.style_model_import(domain=domain, name="demo", weights=DEMO_GENERATOR.read_bytes(), actor=user)
token = accounts.api_token_create(institution=institution, user=user, name="bench", scopes=["generate"], actor=user,
                                  daily_pixel_quota=10**12, rate_limit_per_minute=100000)
print(token.secret)
"""
    out = subprocess.run([sys.executable, "manage.py", "shell", "-c", script], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def start_services(env: dict, port: int, log_dir: Path):
    # `python -m` rather than the console scripts: on the GPU machine the packages are installed
    # with `pip --target` (no scripts next to the interpreter).
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "ichplatform.wsgi:application", "--bind", f"127.0.0.1:{port}",
                            "--workers", "2", "--threads", "8", "--timeout", "600"], cwd=ROOT, env=env,
                           stdout=open(log_dir / "web.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115 -- the server's lifetime
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "ichplatform", "worker", "-Q", "gpu", "--pool", "solo",
                               "-n", "bench-gpu@%h", "--loglevel", "WARNING", "--without-gossip", "--without-mingle"],
                              cwd=ROOT, env=env, stdout=open(log_dir / "worker.log", "w"),  # noqa: SIM115 -- the worker's lifetime
                              stderr=subprocess.STDOUT)
    return web, worker


def photo_png(side: int, seed: int) -> bytes:
    """A photo from scikit-image (varied by seed), resized to side x side."""
    from PIL import Image

    from generation.gan.synthetic import photo_crops

    names = ("astronaut", "coffee", "chelsea", "rocket")
    crop = photo_crops(names[seed % len(names)], 1, side, seed)[0].resize((side, side), Image.BICUBIC)
    buffer = io.BytesIO()
    crop.save(buffer, "PNG")
    return buffer.getvalue()


class Client:
    def __init__(self, base: str, secret: str, model_id: int):
        self.base, self.model_id = base, model_id
        self.session_headers = {"Authorization": f"Bearer {secret}"}

    def generate(self, png: bytes, out_size: int, poll: float = 0.05) -> dict:
        """Upload -> result downloaded. Returns timings and the job's batch size."""
        started = time.perf_counter()
        with requests.Session() as http:
            http.headers.update(self.session_headers)
            response = http.post(f"{self.base}/api/v1/generation/jobs/", files={"images": ("photo.png", png)},
                                 data={"style_model": self.model_id, "out_size": out_size}, timeout=600)
            response.raise_for_status()
            job = response.json()
            submitted = time.perf_counter()
            while job["status"] not in ("done", "failed"):
                time.sleep(poll)
                job = get_with_retry(http, f"{self.base}/api/v1/generation/jobs/{job['id']}/").json()
            if job["status"] != "done":
                raise RuntimeError(job["error"])
            image = job["images"][0]
            result = get_with_retry(http, image["download_url"]).content
        return {"seconds": time.perf_counter() - started, "submit_seconds": submitted - started,
                "batch_size": job["batch_size"], "bytes": len(result), "size": [image["width"], image["height"]],
                "device": job["device"]}


def get_with_retry(http, url: str, attempts: int = 3):
    # A kept-alive connection the server has just closed resets on reuse; asking again is the client's job.
    for attempt in range(attempts):
        try:
            response = http.get(url, timeout=120)
            response.raise_for_status()
            return response
        except requests.ConnectionError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


def card_name() -> str:
    try:
        import torch

        return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "unknown"


def wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise RuntimeError("the web server did not start")


def model_id(client: Client) -> int:
    with requests.Session() as http:
        http.headers.update(client.session_headers)
        return http.get(f"{client.base}/api/v1/generation/style-models/", timeout=30).json()["results"][0]["id"]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="requests at 512² (median reported)")
    parser.add_argument("--big-repeat", type=int, default=2, help="requests at 2048²")
    parser.add_argument("--concurrent", type=int, default=16)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--logs", type=Path, help="keep the web and worker logs in this folder")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="bench-generation-") as folder:
        var_dir = Path(folder)
        env = environment(var_dir)
        secret = prepare(env)
        port = free_port()
        log_dir = args.logs or var_dir
        log_dir.mkdir(parents=True, exist_ok=True)
        web, worker = start_services(env, port, log_dir)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base)
            client = Client(base, secret, 0)
            client.model_id = model_id(client)
            client.generate(photo_png(512, 99), 512)  # warm-up: the worker loads the model once
            small = [client.generate(photo_png(512, i), 512) for i in range(args.repeat)]
            big = [client.generate(photo_png(2048, i), 2048) for i in range(args.big_repeat)]
            pngs = [photo_png(512, 100 + i) for i in range(args.concurrent)]
            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrent) as pool:
                together = list(pool.map(lambda png: client.generate(png, 512, poll=0.2), pngs))
            wall = time.perf_counter() - started
        finally:
            for proc in (web, worker):
                proc.terminate()
                proc.wait(30)
    results = {
        "machine": f"{platform.node()} · {os.cpu_count()} cores · {platform.python_version()}",
        "device": small[0]["device"],
        "card": card_name(),
        "date": time.strftime("%Y-%m-%d"),
        "latency_512_median_s": round(statistics.median(r["seconds"] for r in small), 3),
        "latency_512_all_s": [round(r["seconds"], 3) for r in small],
        "latency_2048_median_s": round(statistics.median(r["seconds"] for r in big), 3) if big else None,
        "latency_2048_all_s": [round(r["seconds"], 3) for r in big],
        "concurrent_requests": args.concurrent,
        "concurrent_wall_s": round(wall, 3),
        "concurrent_images_per_s": round(args.concurrent / wall, 3),
        "concurrent_latency_median_s": round(statistics.median(r["seconds"] for r in together), 3),
        "batch_sizes": sorted((r["batch_size"] for r in together), reverse=True),
    }
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
