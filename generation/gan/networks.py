"""Generator and discriminator of the (improved) CycleGAN.

With ``attention=False`` and ``upsample='transpose'`` the generator is layer for
layer the ResNet generator of the original CycleGAN code (c7s1-64, d128, d256,
9 x R256, u128, u64, c7s1-3; instance norm without affine parameters, conv
biases kept, reflection padding, tanh), 11,378,179 parameters at ngf=64.
The paper's two changes are switches:

* ``attention``: a multi-head self-attention block between the encoder and the
  residual blocks.  It is gated: ``x + gamma * attn(x)`` with ``gamma`` a
  learnable scalar starting at 0, so an untrained improved model starts out as
  the baseline and the GAN is not destabilised early (as in SAGAN).
* ``upsample='bilinear'``: each decoder stage is bilinear x2 upsampling followed
  by a 3x3 convolution instead of a stride-2 transposed convolution (same
  parameter count, no checkerboard pattern).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .options import ModelConfig


class InstanceNorm(nn.Module):
    """Instance normalisation without affine parameters (as CycleGAN uses).

    Statistics are computed in float32 even under bf16 autocast, and the module
    works on any memory layout (``nn.InstanceNorm2d`` reshapes internally and
    would force channels-last tensors back to NCHW).
    """

    def __init__(self, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.float()
        var, mean = torch.var_mean(x32, dim=(2, 3), keepdim=True, correction=0)
        return ((x32 - mean) * torch.rsqrt(var + self.eps)).to(x.dtype)


class ReflectPad(nn.Module):
    """Reflection padding built from flipped slices (same values as ``nn.ReflectionPad2d``).

    Its backward is slicing and addition, which compiles to plain fused kernels, where the
    native op's backward is an atomic scatter (a third of a compiled training step's GPU time).
    """

    def __init__(self, pad: int) -> None:
        super().__init__()
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        p = self.pad
        x = torch.cat([x[..., :, 1 : p + 1].flip(-1), x, x[..., :, -p - 1 : -1].flip(-1)], dim=-1)
        return torch.cat([x[..., 1 : p + 1, :].flip(-2), x, x[..., -p - 1 : -1, :].flip(-2)], dim=-2)


_PAD_IMPL = {"native": nn.ReflectionPad2d, "slices": ReflectPad}


def _conv_norm_relu(in_ch: int, out_ch: int, kernel: int, stride: int = 1, padding: int = 0) -> list[nn.Module]:
    return [nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=padding), InstanceNorm(), nn.ReLU(True)]


class ResnetBlock(nn.Module):
    """Two reflection-padded 3x3 convolutions with a skip connection."""

    def __init__(self, dim: int, pad: type[nn.Module] = ReflectPad) -> None:
        super().__init__()
        self.conv_block = nn.Sequential(
            pad(1), nn.Conv2d(dim, dim, 3), InstanceNorm(), nn.ReLU(True),
            pad(1), nn.Conv2d(dim, dim, 3), InstanceNorm(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class SelfAttention2d(nn.Module):
    """Multi-head self-attention over all spatial positions, gated residual.

    Queries, keys and values are linear maps of each position's feature vector
    (the paper's W^Q, W^K, W^V), the heads run through the fused
    ``scaled_dot_product_attention`` kernel (flash attention on GPUs), and their
    concatenation is mapped back by W^O.  Cost grows with (H*W)^2, so large
    images go through the tiled inference path.
    """

    def __init__(self, channels: int, heads: int = 8) -> None:
        super().__init__()
        if channels % heads:
            raise ValueError(f"{channels} channels do not split into {heads} heads")
        self.heads = heads
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        # (N, C, H, W) -> (N, L, C); free when x is channels-last.
        tokens = x.permute(0, 2, 3, 1).reshape(n, h * w, c)
        q, k, v = self.qkv(tokens).view(n, h * w, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v)  # (N, heads, L, d)
        out = self.proj(attended.transpose(1, 2).reshape(n, h * w, c))
        out = out.view(n, h, w, c).permute(0, 3, 1, 2)
        return x + self.gamma.to(out.dtype) * out


def upsample_bilinear_2x(x: torch.Tensor) -> torch.Tensor:
    """``F.interpolate(x, scale_factor=2, mode='bilinear', align_corners=False)`` from shifted slices.

    Along each axis, output 2i = 0.75 x[i] + 0.25 x[i-1] and 2i+1 = 0.75 x[i] + 0.25 x[i+1], with
    the index clamped at the borders (exactly PyTorch's weights for this mode).  Computed in
    float32 and rounded once, as the native kernel does.  Its backward is slicing and adds; the
    native op, as torch.compile decomposes it, has a gather whose backward is an atomic
    scatter (``index_put`` with accumulate), which took over a third of a compiled batch-16
    training step's GPU time.
    """
    y = x.to(torch.promote_types(x.dtype, torch.float32))
    for dim in (2, 3):
        n = y.shape[dim]
        before = torch.cat([y.narrow(dim, 0, 1), y.narrow(dim, 0, n - 1)], dim)
        after = torch.cat([y.narrow(dim, 1, n - 1), y.narrow(dim, n - 1, 1)], dim)
        y = torch.stack([0.75 * y + 0.25 * before, 0.75 * y + 0.25 * after], dim + 1).flatten(dim, dim + 1)
    return y.to(x.dtype)


class BilinearUpsample2x(nn.Module):
    """Bilinear x2 upsampling (align_corners=False).  Compiled for training, ``upsample_bilinear_2x``
    (same function; its backward has no atomics); otherwise the native op, whose forward alone
    (eager, or compiled for inference) is the faster of the two."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if torch.compiler.is_compiling() and torch.is_grad_enabled():
            return upsample_bilinear_2x(x)
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)


def _upsample_stage(in_ch: int, out_ch: int, mode: str, pad: type[nn.Module]) -> list[nn.Module]:
    if mode == "transpose":
        up = [nn.ConvTranspose2d(in_ch, out_ch, 3, stride=2, padding=1, output_padding=1)]
    elif mode == "bilinear":
        up = [
            BilinearUpsample2x(),
            pad(1),
            nn.Conv2d(in_ch, out_ch, 3),
        ]
    else:
        raise ValueError(f"upsample must be 'transpose' or 'bilinear', not {mode!r}")
    return up + [InstanceNorm(), nn.ReLU(True)]


class ResnetGenerator(nn.Module):
    """Encoder (c7s1, two stride-2 convs) -> [attention] -> residual blocks -> decoder."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        ngf = cfg.ngf
        pad = _PAD_IMPL[cfg.pad_impl]
        encoder: list[nn.Module] = [pad(3), *_conv_norm_relu(cfg.input_nc, ngf, 7)]
        for mult in (1, 2):
            encoder += _conv_norm_relu(ngf * mult, ngf * mult * 2, 3, stride=2, padding=1)
        self.encoder = nn.Sequential(*encoder)
        self.attention = SelfAttention2d(ngf * 4, cfg.attention_heads) if cfg.attention else nn.Identity()
        self.transformer = nn.Sequential(*[ResnetBlock(ngf * 4, pad) for _ in range(cfg.n_blocks)])
        decoder: list[nn.Module] = []
        for mult in (4, 2):
            decoder += _upsample_stage(ngf * mult, ngf * mult // 2, cfg.upsample, pad)
        decoder += [pad(3), nn.Conv2d(ngf, cfg.output_nc, 7), nn.Tanh()]
        self.decoder = nn.Sequential(*decoder)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.transformer(self.attention(self.encoder(x))))


class NLayerDiscriminator(nn.Module):
    """PatchGAN: with n_layers=3 each output judges a 70x70 patch of the input."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        ndf = cfg.ndf
        layers: list[nn.Module] = [nn.Conv2d(cfg.output_nc, ndf, 4, stride=2, padding=1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, cfg.n_layers_d + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < cfg.n_layers_d else 1
            layers += [
                nn.Conv2d(ndf * prev, ndf * mult, 4, stride=stride, padding=1),
                InstanceNorm(),
                nn.LeakyReLU(0.2, True),
            ]
        layers.append(nn.Conv2d(ndf * mult, 1, 4, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def init_weights(net: nn.Module, gain: float = 0.02) -> nn.Module:
    """CycleGAN's 'normal' initialisation: N(0, 0.02) weights, zero biases."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return net


def build_generator(cfg: ModelConfig) -> ResnetGenerator:
    return init_weights(ResnetGenerator(cfg))  # type: ignore[return-value]


def build_discriminator(cfg: ModelConfig) -> NLayerDiscriminator:
    return init_weights(NLayerDiscriminator(cfg))  # type: ignore[return-value]


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
