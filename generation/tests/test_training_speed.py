"""The worker's training speed settings (`speed_options`) and how a core 'fallback' event reaches the
run: on CUDA the whole-step CUDA graph and, for long runs, torch.compile; the CPU path is unchanged.
(CI has no GPU: the CUDA branch is checked through its options, the fallback through the publisher.)"""

import pytest

from generation import training
from generation.models import TrainingRun
from generation.tests.factories import training_run


@pytest.fixture
def compiler(monkeypatch):
    """Whether the worker has Triton: set per test (CI's answer would depend on the CI machine)."""
    state = {"available": True}
    monkeypatch.setattr(training, "compile_supported", lambda: state["available"])
    return state


def test_cpu_workers_keep_the_plain_path(settings, compiler):
    settings.GENERATION_COMPILE = "always"
    assert training.speed_options("cpu", 100_000) == ({}, [])


@pytest.mark.parametrize("mode,total,compiled", [
    ("auto", 1999, False), ("auto", 2000, True), ("always", 10, True), ("never", 100_000, False)])
def test_cuda_workers_graph_every_run_and_compile_long_ones(settings, compiler, mode, total, compiled):
    settings.GENERATION_COMPILE, settings.GENERATION_COMPILE_MIN_ITERATIONS = mode, 2000
    options, notes = training.speed_options("cuda", total)
    assert options == {"cuda_graph": True, "compile": compiled} and notes == []


def test_cuda_graph_can_be_switched_off(settings, compiler):
    settings.GENERATION_CUDA_GRAPH = False
    settings.GENERATION_COMPILE = "never"
    assert training.speed_options("cuda:0", 5000) == ({"cuda_graph": False, "compile": False}, [])


def test_a_worker_without_triton_trains_uncompiled_and_says_so(settings, compiler):
    settings.GENERATION_COMPILE = "auto"
    compiler["available"] = False
    options, notes = training.speed_options("cuda", 10_000)
    assert options == {"cuda_graph": True, "compile": False}
    assert len(notes) == 1 and "torch.compile is not available" in notes[0]


def test_compile_support_check_answers_without_a_gpu():
    assert training.compile_supported() in (True, False)


@pytest.mark.django_db
def test_a_fallback_event_becomes_a_run_warning_and_the_speed_is_kept(tenant_a, caplog):
    run = training_run(tenant_a)
    TrainingRun.objects.filter(pk=run.pk).update(status="running", warnings=["earlier warning"])
    run.refresh_from_db()
    publisher = training.ProgressPublisher(run, interval=0)
    speed = {"precision": "bf16", "compile": True, "compile_mode": "default", "cuda_graph": True,
             "channels_last": True}
    publisher({"event": "start", "iteration": 0, "total": 10, "device": "cuda", "speed": speed})
    run.refresh_from_db()
    assert run.progress["speed"] == speed and run.device == "cuda"

    reason = ("AcceleratorError: CUDA error: operation failed due to a previous error during capture\n"
              "Search for `cudaErrorStreamCaptureInvalidated' ...")
    with caplog.at_level("WARNING", logger="generation.training"):
        publisher({"event": "fallback", "feature": "cuda_graph", "reason": reason, "iteration": 3,
                   "speed": {**speed, "cuda_graph": False}})
    publisher({"event": "progress", "iteration": 5, "total": 10, "losses": {"cycle": 1.0}, "images_per_second": 9.5})
    run.refresh_from_db()
    assert run.warnings[0] == "earlier warning"
    (warning,) = run.warnings[1:]
    assert warning.startswith("The whole-step CUDA graph failed at iteration 3 (AcceleratorError: CUDA error")
    assert "Search for" not in warning and "training continues without it" in warning
    assert run.progress["speed"]["cuda_graph"] is False and run.progress["iteration"] == 5
    assert any("cuda_graph failed at iteration 3" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_another_institutions_run_is_not_written_by_a_publisher(tenant_a, tenant_b):
    mine, theirs = training_run(tenant_a), training_run(tenant_b)
    publisher = training.ProgressPublisher(mine, interval=0)
    publisher({"event": "fallback", "feature": "compile", "reason": "RuntimeError: x", "iteration": 0, "speed": {}})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert any(w.startswith("torch.compile failed at iteration 0") for w in mine.warnings)
    assert theirs.warnings == []
