"""Generation core: the improved CycleGAN (self-attention + bilinear upsampling) in pure PyTorch.

No Django here; the Django app calls this API (see docs/gan.md):

    TrainConfig, ModelConfig                  -- configuration dataclasses
    train(cfg, on_event=..., should_stop=...) -- run training, returns TrainResult
    resume(checkpoint_path, ...)              -- continue a run exactly
    Stylizer.from_checkpoint(path, device)    -- .stylize(pil_image, out_size=None) -> PIL image
    Magnifier.from_checkpoint(path, device)   -- .magnify(pil_image) -> PIL image (x2 / x4)
    evaluate(checkpoint, photos, ...)         -- SSIM/PSNR/cycle (+ FID/KID/LPIPS with weight files)
    load_pretrained_demo(device)              -- the bundled demo Stylizer (and Magnifiers)

Attributes are imported lazily so ``import generation.gan`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ModelConfig": "options",
    "TrainConfig": "options",
    "VARIANTS": "options",
    "train": "train",
    "resume": "train",
    "TrainResult": "train",
    "Trainer": "train",
    "Stylizer": "infer",
    "Magnifier": "sr",
    "evaluate": "evaluate",
    "load_pretrained_demo": "pretrained",
    "load_pretrained_magnifier": "pretrained",
    "build_generator": "networks",
    "build_discriminator": "networks",
}

__all__ = [  # noqa: RUF022 -- grouped as in _EXPORTS
    "ModelConfig", "TrainConfig", "VARIANTS", "train", "resume", "TrainResult", "Trainer", "Stylizer", "Magnifier",
    "evaluate", "load_pretrained_demo", "load_pretrained_magnifier", "build_generator", "build_discriminator",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(name)


# `train` and `evaluate` are also the names of submodules. Once a submodule is
# imported, Python binds the package attribute to the module, so the lazy
# __getattr__ above would never run for them; bind the functions eagerly instead.
from .evaluate import evaluate
from .train import resume, train
