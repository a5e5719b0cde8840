import json

import torch

from generation.gan.losses import l1_loss
from generation.gan.train import Trainer, latest_checkpoint, load_checkpoint, resume, train

from .conftest import tiny_config


def _toy_pair(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(2, 3, 32, 32, generator=g) * 2 - 1, torch.rand(2, 3, 32, 32, generator=g) * 2 - 1


def _cycle_loss(trainer, a, b):
    with torch.no_grad():
        g_ab, g_ba = trainer.nets["g_ab"], trainer.nets["g_ba"]
        return float(l1_loss(g_ba(g_ab(a)), a) + l1_loss(g_ab(g_ba(b)), b))


def test_one_step_lowers_cycle_loss(tmp_path):
    trainer = Trainer(tiny_config(tmp_path, tmp_path, lr=1e-3))
    a, b = _toy_pair()
    before = _cycle_loss(trainer, a, b)
    trainer.step(a, b)
    assert _cycle_loss(trainer, a, b) < before


def test_merged_forwards_are_the_same_maths(tmp_path):
    a, b = _toy_pair(1)
    results = []
    for merge in (False, True):
        trainer = Trainer(tiny_config(tmp_path, tmp_path, merge_forwards=merge))
        losses = trainer.step(a, b)
        results.append((losses, trainer.nets["g_ab"].state_dict()))
    for key in results[0][0]:
        torch.testing.assert_close(results[0][0][key], results[1][0][key], rtol=1e-4, atol=1e-5)
    # Adam's first step moves every weight by about +-lr whatever the gradient's size, so conv
    # biases in front of instance norm (true gradient 0, float noise only) may move either way.
    for key, value in results[0][1].items():
        torch.testing.assert_close(value, results[1][1][key], rtol=0, atol=2.5 * 2e-4)


def _state_equal(s1, s2):
    if isinstance(s1, torch.Tensor):
        return torch.equal(s1, s2)
    if isinstance(s1, dict):
        return s1.keys() == s2.keys() and all(_state_equal(s1[k], s2[k]) for k in s1)
    if isinstance(s1, (list, tuple)):
        return len(s1) == len(s2) and all(_state_equal(x, y) for x, y in zip(s1, s2))
    return s1 == s2


def test_checkpoint_resume_is_bit_identical(tmp_path):
    cfg = tiny_config(tmp_path, tmp_path, pool_size=3)
    pairs = [_toy_pair(i) for i in range(6)]
    straight = Trainer(cfg)
    for a, b in pairs:
        straight.step(a, b)

    first = Trainer(cfg)
    for a, b in pairs[:3]:
        first.step(a, b)
    path = first.save_checkpoint(tmp_path / "ckpt.pt")
    torch.manual_seed(12345)  # a fresh process would have different global RNG state
    second = Trainer(cfg)
    second.load_state_dict(load_checkpoint(path))
    for a, b in pairs[3:]:
        second.step(a, b)
    s1, s2 = straight.state_dict(), second.state_dict()
    assert _state_equal(s1["models"], s2["models"])
    assert _state_equal(s1["optimizers"], s2["optimizers"])
    assert _state_equal(s1["pools"], s2["pools"])


def test_interrupted_run_resumes_and_matches_uninterrupted(toy_data, tmp_path):
    full = train(tiny_config(toy_data, tmp_path / "full"))
    assert full.status == "finished" and full.iterations == 6

    calls = {"n": 0}

    def stop_after_four() -> bool:
        calls["n"] += 1
        return calls["n"] > 4

    events = []
    cut = train(tiny_config(toy_data, tmp_path / "cut"), on_event=events.append, should_stop=stop_after_four)
    assert cut.status == "stopped" and cut.iterations == 4
    assert latest_checkpoint(tmp_path / "cut") == cut.checkpoint
    assert (tmp_path / "cut" / "events.jsonl").read_text().count("\n") == len(events)
    done = resume(cut.checkpoint)
    assert done.status == "finished" and done.iterations == 6
    a = load_checkpoint(full.checkpoint)["models"]
    b = load_checkpoint(done.checkpoint)["models"]
    assert _state_equal(a, b)

    kinds = [e["event"] for e in events]
    assert kinds[:3] == ["data", "data", "start"] and "progress" in kinds and kinds[-1] == "end"
    progress = next(e for e in events if e["event"] == "progress")
    assert {"iteration", "total", "losses", "images_per_second", "eta_seconds"} <= progress.keys()
    json.dumps(events)  # JSON-safe for the task queue


def test_samples_and_periodic_checkpoints(toy_data, tmp_path):
    result = train(tiny_config(toy_data, tmp_path, checkpoint_every=2, sample_every=3, keep_checkpoints=2))
    assert sorted(p.name for p in tmp_path.glob("checkpoint_*.pt")) == ["checkpoint_0000004.pt", "checkpoint_0000006.pt"]
    assert (tmp_path / "samples" / "iter_0000003.png").exists()
    assert result.checkpoint.endswith("checkpoint_0000006.pt")
