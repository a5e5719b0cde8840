"""Parameter and FLOP counts (``python -m generation.gan info``).

FLOPs come from ``torch.utils.flop_counter.FlopCounterMode``, which counts
matrix multiplications, convolutions and attention (2 FLOPs per
multiply-accumulate); elementwise work (norms, activations) is not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .networks import build_discriminator, build_generator, count_parameters
from .options import ModelConfig


def count_flops(fn: Callable[[], Any]) -> int:
    """FLOPs of running ``fn()`` (forward, or forward + backward if fn does both)."""
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def forward_flops(net: nn.Module, size: int, batch: int = 1) -> int:
    x = torch.zeros(batch, 3, size, size, device="meta")
    meta_net = net.to("meta")
    with torch.no_grad():
        return count_flops(lambda: meta_net(x))


def model_info(cfg: ModelConfig, size: int = 256) -> dict[str, Any]:
    """Parameters and forward FLOPs (per image at size x size) of G and D for one config."""
    with torch.device("meta"):
        generator, discriminator = build_generator(cfg), build_discriminator(cfg)
    return {
        "variant": cfg.variant_name,
        "size": size,
        "config": dict(cfg.__dict__),
        "generator": {"parameters": count_parameters(generator), "forward_flops": forward_flops(generator, size)},
        "discriminator": {"parameters": count_parameters(discriminator), "forward_flops": forward_flops(discriminator, size)},
    }
