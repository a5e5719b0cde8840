import json
import subprocess
import sys

import pytest
import torch

from generation.gan.networks import (
    SelfAttention2d,
    build_discriminator,
    build_generator,
    count_parameters,
)
from generation.gan.options import VARIANTS, ModelConfig

FULL_SIZE_PARAMS = {  # ngf = ndf = 64, 9 blocks
    "baseline": 11_378_179,
    "bilinear": 11_378_179,  # 3x3 conv after upsampling has the transposed conv's parameter count
    "attention": 11_378_179 + 4 * 256 * 256 + 4 * 256 + 1,  # W^Q,K,V,O with biases, plus the gate
    "improved": 11_378_179 + 4 * 256 * 256 + 4 * 256 + 1,
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_full_size_parameter_counts(variant):
    cfg = ModelConfig.variant(variant)
    with torch.device("meta"):
        assert count_parameters(build_generator(cfg)) == FULL_SIZE_PARAMS[variant]
        assert count_parameters(build_discriminator(cfg)) == 2_764_737


def test_baseline_is_the_original_layout():
    with torch.device("meta"):
        g = build_generator(ModelConfig.variant("baseline"))
    kinds = [type(m).__name__ for m in g.modules()]
    assert "SelfAttention2d" not in kinds and kinds.count("ConvTranspose2d") == 2 and "Upsample" not in kinds
    assert kinds.count("ResnetBlock") == 9


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("size", [32, 64])
def test_shapes(variant, size):
    cfg = ModelConfig.variant(variant, ngf=8, ndf=8, n_blocks=2, attention_heads=2)
    g, d = build_generator(cfg), build_discriminator(cfg)
    x = torch.rand(2, 3, size, size) * 2 - 1
    y = g(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    assert d(x).shape == (2, 1, size // 8 - 2, size // 8 - 2)


def test_attention_gate_starts_closed_and_learns():
    block = SelfAttention2d(16, heads=4)
    x = torch.randn(1, 16, 8, 8)
    assert torch.equal(block(x), x)  # gamma = 0: identity at initialisation
    block(x).square().sum().backward()
    assert block.gamma.grad is not None and block.gamma.grad.abs() > 0


def test_attention_matches_explicit_softmax():
    block = SelfAttention2d(8, heads=2)
    torch.nn.init.constant_(block.gamma, 1.0)
    x = torch.randn(2, 8, 4, 5)
    tokens = x.flatten(2).transpose(1, 2)
    q, k, v = block.qkv(tokens).chunk(3, dim=-1)
    heads = lambda t: t.view(2, 20, 2, 4).transpose(1, 2)
    attn = torch.softmax(heads(q) @ heads(k).transpose(-1, -2) / 2.0, dim=-1) @ heads(v)
    expected = x + block.proj(attn.transpose(1, 2).reshape(2, 20, 8)).transpose(1, 2).reshape(2, 8, 4, 5)
    torch.testing.assert_close(block(x), expected, rtol=1e-5, atol=1e-5)


def test_info_cli_json():
    out = subprocess.run([sys.executable, "-m", "generation.gan", "info", "--variant", "baseline", "--size", "256", "--json"],
                         capture_output=True, text=True, check=True).stdout
    info = json.loads(out)
    assert info["generator"]["parameters"] == 11_378_179
    assert info["discriminator"]["parameters"] == 2_764_737
    assert info["generator"]["forward_flops"] > 9e10


def test_slice_reflection_pad_equals_native_values_and_gradients():
    from generation.gan.networks import ReflectPad

    x = torch.randn(2, 3, 7, 9, requires_grad=True)
    for pad in (1, 3):
        ours, native = ReflectPad(pad)(x), torch.nn.ReflectionPad2d(pad)(x)
        assert torch.equal(ours, native)
        grad = torch.randn_like(ours)
        (g1,), (g2,) = torch.autograd.grad(ours, x, grad), torch.autograd.grad(native, x, grad)
        torch.testing.assert_close(g1, g2)
