"""Fixtures of the Generation app tests: media and work folders per test, a domain with image sets."""

import pytest


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GENERATION_WORK_DIR = tmp_path / "work"
    settings.GENERATION_DATA_WORKERS = 0
    return settings.MEDIA_ROOT


@pytest.fixture
def domain(tenant_a, media):
    from generation import services

    actor = tenant_a.users["staff"]
    domain = services.style_domain_create(institution=tenant_a.institution, name="Zhangzhou paper-cut", actor=actor)
    services.image_set_create(domain=domain, side="a", name="photos", actor=actor)
    services.image_set_create(domain=domain, side="b", name="paper-cuts", actor=actor)
    return domain


@pytest.fixture
def gpu_queue(settings):
    """A GPU queue of this test only, so no other worker (or leftover message) interferes."""
    import uuid

    settings.GENERATION_GPU_QUEUE = f"gpu-test-{uuid.uuid4().hex[:8]}"
    settings.GENERATION_DEVICE = "cpu"
    settings.GENERATION_PROGRESS_SECONDS = 0.2
    return settings.GENERATION_GPU_QUEUE
