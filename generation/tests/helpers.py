"""Helpers shared by the Generation tests (real services, real images)."""

from django.core.files.uploadedfile import SimpleUploadedFile

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
