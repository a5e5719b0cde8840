"""Helpers shared by the Generation tests (real services, real images, real workers)."""


from django.core.files.uploadedfile import SimpleUploadedFile

from tests.worker_process import wait_for

from .images import encode


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def fill_sets(domain, actor, *, count: int = 4, size: int = 48) -> None:
    """Upload photo crops and procedural paper-cuts (the core's synthetic renderers) into the two sets."""
    from generation import services
    from generation.gan.synthetic import photo_crops, render_papercut

    photos = [upload(f"photo{i}.png", encode(im)) for i, im in enumerate(photo_crops("astronaut", count, size, 0))]
    cuts = [upload(f"cut{i}.png", encode(render_papercut(size, i))) for i in range(count)]
    services.image_set_upload(image_set=domain.image_sets.get(side="a"), files=photos, actor=actor)
    services.image_set_upload(image_set=domain.image_sets.get(side="b"), files=cuts, actor=actor)


def untrained_style_model(domain, actor, *, ngf: int = 8, n_blocks: int = 1):
    """A real (randomly initialised, tiny) generator of the core, published through the service.

    It runs the real inference path; tests that need a *trained* model train one on a worker.
    """
    import tempfile
    from pathlib import Path

    import torch

    from generation import services
    from generation.gan.infer import save_generator
    from generation.gan.networks import build_generator
    from generation.gan.options import ModelConfig

    torch.manual_seed(0)
    config = ModelConfig(ngf=ngf, ndf=ngf, n_blocks=n_blocks, attention_heads=4)
    with tempfile.TemporaryDirectory() as folder:
        path = save_generator(build_generator(config), config, Path(folder) / "g.pt")
        weights = Path(path).read_bytes()
    return services.style_model_import(domain=domain, name="Untrained tiny", weights=weights, actor=actor,
                                       provenance={"source": "test: untrained generator"})


# A training small enough for a CPU worker in a test (the improved variant: attention and bilinear).
TINY = {"variant": "improved", "image_size": 32, "ngf": 8, "n_blocks": 1, "batch_size": 1, "seed": 0}


def worker_env(settings, **extra) -> dict:
    """Environment of a `celery worker` subprocess (tests/worker_process.py) that trains on the CPU.

    One torch thread: the test machine has two cores shared with the test process and other
    workers, and oversubscribed torch threads slow a tiny training down tenfold.
    """
    return {"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT), "GENERATION_WORK_DIR": str(settings.GENERATION_WORK_DIR),
            "GENERATION_DATA_WORKERS": "0", "GENERATION_DEVICE": "cpu", "GENERATION_PROGRESS_SECONDS": "0.2",
            "OMP_NUM_THREADS": "1", **extra}


def wait_until_ready(log_path, timeout: float = 120) -> None:
    """A worker subprocess (with a log file of its own) consumes once its log says `celery@host ready.`"""
    wait_for(lambda: log_path.exists() and " ready." in log_path.read_text(errors="replace"), timeout,
             f"the worker of {log_path.name} to be ready", 0.5)
