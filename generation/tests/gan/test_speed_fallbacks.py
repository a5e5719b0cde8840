"""CPU checks of the speed features' fallbacks: a compile failure in the first iteration is rolled back
and the run continues eagerly with the same numbers; a CUDA-graph capture failure is reported once and
never retried; the run loop turns both into 'fallback' events.  Failures are injected by replacing a
compiled network (or the capture) with one that raises, since CI has neither Triton kernels nor a GPU."""

import pytest
import torch

from generation.gan.step_graph import StepGraph
from generation.gan.train import Trainer, train

from .conftest import tiny_config


def _pairs(n=3):
    g = torch.Generator().manual_seed(5)
    return [(torch.rand(2, 3, 32, 32, generator=g) * 2 - 1, torch.rand(2, 3, 32, 32, generator=g) * 2 - 1)
            for _ in range(n)]


def _no_compile(monkeypatch):
    """torch.compile that returns the module itself: the trainer's compile path without a compiler."""
    monkeypatch.setattr(torch, "compile", lambda net, **kwargs: net)


def _state(trainer):
    return {k: v.clone() for k, v in trainer.nets["g_ab"].state_dict().items()} | {
        f"d_a.{k}": v.clone() for k, v in trainer.nets["d_a"].state_dict().items()}


@pytest.mark.filterwarnings("ignore:compile failed")
def test_compile_failure_after_the_generator_update_is_rolled_back(tmp_path, monkeypatch):
    pairs = _pairs()
    eager = Trainer(tiny_config(tmp_path, tmp_path, pool_size=2))
    eager_losses = [eager.step(a, b) for a, b in pairs]

    _no_compile(monkeypatch)
    trainer = Trainer(tiny_config(tmp_path, tmp_path, pool_size=2, compile=True))
    assert trainer.speed()["compile"] is True
    discriminator, calls = trainer.run["d_a"], {"n": 0}

    def fails_when_trainable(x):
        calls["n"] += 1
        if calls["n"] == 2:  # D_A's second call of the first iteration comes after opt_g.step()
            raise RuntimeError("simulated Inductor failure")
        return discriminator(x)

    trainer.run["d_a"] = fails_when_trainable
    losses = [trainer.step(a, b) for a, b in pairs]

    assert [f["feature"] for f in trainer.fallbacks] == ["compile"] and trainer.fallbacks[0]["iteration"] == 0
    assert "simulated Inductor failure" in trainer.fallbacks[0]["reason"]
    assert trainer.speed()["compile"] is False and trainer.run["d_a"] is trainer.nets["d_a"]
    assert trainer.iteration == eager.iteration == 3
    # Rolled back to before the failed iteration (weights, Adam moments, pools): the same numbers as eager.
    assert all(torch.equal(losses[-1][k], eager_losses[-1][k]) for k in losses[-1])
    expected = _state(eager)
    assert all(torch.equal(v, expected[k]) for k, v in _state(trainer).items())
    assert torch.equal(trainer.pool_a.buffer, eager.pool_a.buffer)
    assert trainer.pool_a.count == eager.pool_a.count


def test_capture_failure_is_reported_once_and_training_goes_on(tmp_path, monkeypatch):
    trainer = Trainer(tiny_config(tmp_path, tmp_path, pool_size=2))
    graph = StepGraph(trainer, warmup=1)
    attempts = []

    def failing_capture(*args):
        attempts.append(trainer.iteration)
        raise RuntimeError("operation not permitted when stream is capturing")

    # CPU stand-ins for the two CUDA parts: the side-stream iteration and the capture.
    monkeypatch.setattr(graph, "_eager", lambda a, b, plans: trainer.maths(a, b, plans))
    monkeypatch.setattr(graph, "_capture", failing_capture)
    trainer.graph = graph
    with pytest.warns(UserWarning, match="cuda_graph failed"):
        losses = [trainer.step(a, b) for a, b in _pairs(4)]

    assert attempts == [1], "one capture attempt, after the warm-up iteration, never again"
    assert graph.failed and graph.graph is None
    assert [(f["feature"], f["iteration"]) for f in trainer.fallbacks] == [("cuda_graph", 1)]
    assert trainer.speed()["cuda_graph"] is False
    assert trainer.iteration == 4 and all(torch.isfinite(v) for step in losses for v in step.values())


@pytest.mark.filterwarnings("ignore:compile failed")
def test_run_loop_reports_a_fallback_event_and_finishes_like_an_eager_run(toy_data, tmp_path, monkeypatch):
    eager = train(tiny_config(toy_data, tmp_path / "eager"))

    _no_compile(monkeypatch)
    real_init = Trainer.__init__

    def init_with_broken_compiler(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        generator, calls = self.run["g_ab"], {"n": 0}

        def fails_first(x):
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("BackendCompilerFailed: simulated")
            return generator(x)

        self.run["g_ab"] = fails_first

    monkeypatch.setattr(Trainer, "__init__", init_with_broken_compiler)
    events = []
    result = train(tiny_config(toy_data, tmp_path / "compiled", compile=True), on_event=events.append)

    assert result.status == "finished" and result.iterations == eager.iterations
    start = next(e for e in events if e["event"] == "start")
    assert start["speed"]["compile"] is True and start["speed"]["cuda_graph"] is False
    (fallback,) = [e for e in events if e["event"] == "fallback"]
    assert fallback["feature"] == "compile" and fallback["iteration"] == 0
    assert "simulated" in fallback["reason"] and fallback["speed"]["compile"] is False
    kinds = [e["event"] for e in events]
    assert kinds.index("fallback") < kinds.index("progress")
    assert result.losses == eager.losses


def test_stylizer_speed_options_are_ignored_on_cpu(tiny_model):
    from generation.gan.infer import Stylizer
    from generation.gan.networks import build_generator

    torch.manual_seed(0)
    generator = build_generator(tiny_model)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    plain = Stylizer(generator, "cpu").forward(x)
    graphed = Stylizer(generator, "cpu", cuda_graph=True)
    assert graphed.cuda_graph is False
    assert torch.equal(graphed.forward(x), plain) and not graphed.graphs
