"""CPU checks of the v4 speed paths: host-planned image pool, bilinear upsampling from slices,
device-side learning rate, and that the CUDA-only options leave the CPU path intact."""

import pytest
import torch
import torch.nn.functional as F

from generation.gan.image_pool import ImagePool
from generation.gan.networks import build_generator, upsample_bilinear_2x
from generation.gan.train import Trainer

from .conftest import tiny_config


def _classic_pool_answers(size, seed, batches):
    """The original per-image loop (Shrivastava et al.), as CycleGAN's code writes it."""
    generator = torch.Generator().manual_seed(seed)
    stored, answers = [], []
    for images in batches:
        out = []
        for image in images.split(1):
            if len(stored) < size:
                stored.append(image.clone())
                out.append(image)
            elif torch.rand((), generator=generator).item() > 0.5:
                index = int(torch.randint(0, size, (), generator=generator).item())
                out.append(stored[index].clone())
                stored[index] = image.clone()
            else:
                out.append(image)
        answers.append(torch.cat(out))
    return answers, stored


@pytest.mark.parametrize("size,batch", [(3, 4), (5, 2), (2, 7), (50, 1)])
def test_planned_pool_answers_like_the_classic_loop(size, batch):
    # Small pools with large batches make one batch replace the same row twice.
    data = torch.Generator().manual_seed(7)
    batches = [torch.rand(batch, 3, 4, 4, generator=data) for _ in range(12)]
    expected, stored = _classic_pool_answers(size, 11, batches)
    pool = ImagePool(size, seed=11)
    for images, answer in zip(batches, expected):
        assert torch.equal(pool.query(images), answer)
    state = pool.state_dict()
    assert len(state["images"]) == len(stored)
    assert all(torch.equal(a, b) for a, b in zip(state["images"], stored))


def test_pool_state_round_trip_continues_identically():
    data = torch.Generator().manual_seed(3)
    batches = [torch.rand(3, 3, 4, 4, generator=data) for _ in range(10)]
    straight = ImagePool(4, seed=1)
    answers = [straight.query(x) for x in batches]
    first = ImagePool(4, seed=1)
    for x in batches[:5]:
        first.query(x)
    second = ImagePool(4, seed=99)
    second.load_state_dict(first.state_dict())
    for x, answer in zip(batches[5:], answers[5:]):
        assert torch.equal(second.query(x), answer)


@pytest.mark.parametrize("shape", [(2, 3, 5, 7), (1, 4, 1, 6), (2, 8, 16, 16)])
def test_slice_upsampling_equals_bilinear_interpolation(shape):
    x = torch.randn(*shape, dtype=torch.float64, requires_grad=True)
    x2 = x.detach().clone().requires_grad_(True)
    native = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    ours = upsample_bilinear_2x(x2)
    assert ours.dtype == x.dtype and ours.shape == native.shape
    torch.testing.assert_close(ours, native, rtol=1e-12, atol=1e-12)
    grad = torch.randn_like(native)
    native.backward(grad)
    ours.backward(grad)
    torch.testing.assert_close(x2.grad, x.grad, rtol=1e-12, atol=1e-12)


def test_slice_upsampling_keeps_channels_last_bf16_close():
    x = torch.randn(2, 8, 6, 6).to(torch.bfloat16).contiguous(memory_format=torch.channels_last)
    native = F.interpolate(x.float(), scale_factor=2, mode="bilinear", align_corners=False)
    ours = upsample_bilinear_2x(x)
    assert ours.dtype == torch.bfloat16
    torch.testing.assert_close(ours.float(), native, rtol=1e-2, atol=1e-2)  # one bf16 rounding


def test_cuda_only_options_leave_the_cpu_step_unchanged(tmp_path):
    g = torch.Generator().manual_seed(5)
    pairs = [(torch.rand(2, 3, 32, 32, generator=g) * 2 - 1, torch.rand(2, 3, 32, 32, generator=g) * 2 - 1) for _ in range(3)]
    states = []
    for extra in ({}, {"cuda_graph": True, "attention_backend": "cudnn"}):
        trainer = Trainer(tiny_config(tmp_path, tmp_path, pool_size=2, **extra))
        assert trainer.graph is None  # graphs are CUDA only
        for a, b in pairs:
            trainer.step(a, b)
        states.append(trainer.nets["g_ab"].state_dict())
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


def test_tensor_learning_rate_follows_the_schedule(tmp_path):
    trainer = Trainer(tiny_config(tmp_path, tmp_path, iterations=1, decay_iterations=3))
    for opt in (trainer.opt_g, trainer.opt_d):  # what a captured graph reads
        opt.param_groups[0]["lr"] = torch.tensor(trainer.cfg.lr)
    a = torch.rand(2, 3, 32, 32) * 2 - 1
    for _ in range(3):
        trainer.step(a, a)
    # lr_factor(2) = 1 - 1/4: the third step ran at 0.75 x lr
    assert float(trainer.opt_g.param_groups[0]["lr"]) == pytest.approx(trainer.cfg.lr * 0.75)


def test_compiled_generator_with_training_rewrites_matches_eager(tiny_model):
    # aot_eager traces exactly what Inductor would compile (the slice upsampling).
    torch.manual_seed(0)
    g = build_generator(tiny_model)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    eager = g(x)
    compiled = torch.compile(g, backend="aot_eager")(x)
    torch.testing.assert_close(compiled, eager, rtol=1e-4, atol=1e-5)
    grads = torch.autograd.grad(eager.square().sum(), list(g.parameters()), allow_unused=True)
    grads_c = torch.autograd.grad(compiled.square().sum(), list(g.parameters()), allow_unused=True)
    # Float32 sums in another order. Conv biases in front of instance norm have a true gradient of 0
    # (float noise only), so differences are measured against the largest gradient.
    scale = max(float(a.norm()) for a in grads if a is not None)
    for a, b in zip(grads, grads_c):
        if a is not None:
            assert float((a - b).norm()) <= 1e-4 * scale
