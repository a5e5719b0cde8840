"""Magnification (the paper's Table 3): a small x2 / x4 super-resolution network.

The network predicts a residual on top of bicubic upsampling (its last layer
starts at zero, so an untrained model *is* bicubic and training can only move
it away where that lowers the loss).  It learns on the style domain: high-res
paper-cuts, bicubically downsampled (with antialiasing) to make the inputs.
``compare_methods`` scores nearest / bilinear / bicubic / this network by SSIM
and PSNR on held-out images.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .data import to_rgb
from .train import resolve_device

WEIGHTS_KIND = "generation.gan.magnifier"


class MagnifierNet(nn.Module):
    def __init__(self, scale: int = 2, features: int = 48, blocks: int = 6) -> None:
        super().__init__()
        if scale not in (2, 4):
            raise ValueError("scale must be 2 or 4")
        self.scale, self.features, self.blocks = scale, features, blocks
        self.head = nn.Conv2d(3, features, 3, padding=1)
        self.body = nn.ModuleList(
            nn.Sequential(nn.Conv2d(features, features, 3, padding=1), nn.ReLU(True), nn.Conv2d(features, features, 3, padding=1))
            for _ in range(blocks)
        )
        self.tail = nn.Conv2d(features, 3 * scale * scale, 3, padding=1)
        nn.init.zeros_(self.tail.weight)
        nn.init.zeros_(self.tail.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x 3 x h x w in [0, 1] -> N x 3 x (scale h) x (scale w)."""
        base = F.interpolate(x, scale_factor=self.scale, mode="bicubic", align_corners=False)
        features = self.head(x)
        for block in self.body:
            features = features + block(features)
        return base + F.pixel_shuffle(self.tail(features), self.scale)


def downscale(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """The degradation the magnifier learns to invert: antialiased bicubic downsampling."""
    return F.interpolate(hr, scale_factor=1 / scale, mode="bicubic", antialias=True, align_corners=False).clamp(0, 1)


def upscale_classic(lr: torch.Tensor, scale: int, method: str) -> torch.Tensor:
    kwargs: dict[str, Any] = {} if method == "nearest" else {"align_corners": False}
    return F.interpolate(lr, scale_factor=scale, mode=method, **kwargs).clamp(0, 1)


def _to_unit_tensor(images: Sequence[Image.Image]) -> torch.Tensor:
    arrays = [np.asarray(to_rgb(im), dtype=np.float32) / 255.0 for im in images]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def train_magnifier(
    images: Sequence[Image.Image],
    scale: int = 2,
    iterations: int = 2000,
    patch: int = 96,
    batch_size: int = 16,
    lr: float = 1e-3,
    features: int = 48,
    blocks: int = 6,
    seed: int = 0,
    device: str = "auto",
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> MagnifierNet:
    """L1 training on random HR patches of ``images`` (all the same size); cosine learning-rate decay."""
    dev = resolve_device(device)
    torch.manual_seed(seed)
    hr_all = _to_unit_tensor(images).to(dev)
    net = MagnifierNet(scale, features, blocks).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, iterations)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    n, _, h, w = hr_all.shape
    patch = min(patch, h, w) // scale * scale
    cuda = dev.type == "cuda"
    started = time.perf_counter()
    for it in range(1, iterations + 1):
        idx = torch.randint(0, n, (batch_size,), generator=gen)
        ys = torch.randint(0, h - patch + 1, (batch_size,), generator=gen).tolist()
        xs = torch.randint(0, w - patch + 1, (batch_size,), generator=gen).tolist()
        hr = torch.stack([hr_all[i, :, y : y + patch, x : x + patch] for i, y, x in zip(idx.tolist(), ys, xs)])
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=cuda):
            out = net(downscale(hr, scale))
        loss = F.l1_loss(out.float(), hr)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if on_event is not None and (it % 100 == 0 or it == iterations):
            on_event({"event": "sr_progress", "iteration": it, "total": iterations, "l1": round(loss.item(), 6),
                      "seconds": round(time.perf_counter() - started, 2)})
    return net.eval()


@torch.no_grad()
def compare_methods(net: MagnifierNet, images: Sequence[Image.Image], device: str = "auto") -> dict[str, dict[str, float]]:
    """SSIM / PSNR of nearest, bilinear, bicubic and the network on held-out HR images."""
    from .evaluate import image_metrics

    dev = resolve_device(device)
    net = net.to(dev).eval()
    scale = net.scale
    hr = _to_unit_tensor(images).to(dev)
    hr = hr[:, :, : hr.shape[2] // scale * scale, : hr.shape[3] // scale * scale]
    lr = downscale(hr, scale)
    candidates = {m: upscale_classic(lr, scale, m) for m in ("nearest", "bilinear", "bicubic")}
    candidates["magnifier"] = torch.cat([net(chunk).float().clamp(0, 1) for chunk in lr.split(8)])
    return {name: image_metrics(pred, hr) for name, pred in candidates.items()}


def save_magnifier(net: MagnifierNet, path: str | os.PathLike[str], dtype: torch.dtype = torch.bfloat16,
                   meta: dict[str, Any] | None = None) -> str:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().to(dtype) for k, v in net.state_dict().items()}
    torch.save({"kind": WEIGHTS_KIND, "scale": net.scale, "features": net.features, "blocks": net.blocks,
                "state_dict": state, "meta": meta or {}}, path)
    return str(path)


class Magnifier:
    """Enlarge a PIL image x2 or x4 with a trained MagnifierNet (float32 on CPU, bf16 on GPU)."""

    def __init__(self, net: MagnifierNet, device: str | torch.device = "auto") -> None:
        self.device = resolve_device(str(device))
        self.net = net.eval().to(self.device)
        self.scale = net.scale

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike[str], device: str | torch.device = "auto") -> Magnifier:
        state = torch.load(path, map_location="cpu", weights_only=False)
        if state.get("kind") != WEIGHTS_KIND:
            raise ValueError(f"{path} is not magnifier weights")
        net = MagnifierNet(state["scale"], state["features"], state["blocks"])
        net.load_state_dict({k: v.float() for k, v in state["state_dict"].items()})
        return cls(net, device)

    @torch.no_grad()
    def magnify(self, image: Image.Image) -> Image.Image:
        x = _to_unit_tensor([image]).to(self.device)
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.device.type == "cuda"):
            y = self.net(x).float().clamp(0, 1)
        array = (y[0].permute(1, 2, 0).cpu().numpy() * 255 + 0.5).astype(np.uint8)
        return Image.fromarray(array, "RGB")
