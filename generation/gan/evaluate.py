"""Evaluation of a trained stylizer.

Always computed (torchmetrics): SSIM and PSNR of G(x) against the reference
stylizer T(x) on held-out photos, and of the cycle reconstruction F(G(x))
against x.

Only with local weight files (no package here ships them and nothing can be
downloaded):

* FID and KID need an Inception network.  ``inception_weights`` is either the
  standard FID Inception file (``pt_inception-2015-12-05-6726825d.pth``, used
  through torch-fidelity when it is installed) -- reported as ``fid``/``kid`` --
  or a ``torch.export`` archive (``.pt2``) of any feature extractor taking
  uint8 N x 3 x H x W images, reported as ``fd_custom``/``kd_custom`` so a number
  from a substitute network never carries the standard name.
* LPIPS needs AlexNet ImageNet weights (``lpips_backbone_weights``: a torchvision
  AlexNet state dict); the small LPIPS heads ship with torchmetrics.

When a file is missing the metric is reported as skipped, with the reason.
Every weight file used is identified by its SHA-256 in the result.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch import nn

from .data import load_rgb, pil_to_tensor, scan_images

STANDARD_INCEPTION_NAMES = {"pt_inception-2015-12-05-6726825d.pth"}


def image_metrics(pred: torch.Tensor, target: torch.Tensor) -> dict[str, float]:
    """Mean and std over images of SSIM and PSNR; both tensors N x 3 x H x W in [0, 1]."""
    from torchmetrics.functional.image import (
        peak_signal_noise_ratio,
        structural_similarity_index_measure,
    )

    pred, target = pred.float().cpu(), target.float().cpu()
    ssim = structural_similarity_index_measure(pred, target, data_range=1.0, reduction="none")
    psnr = peak_signal_noise_ratio(pred, target, data_range=1.0, reduction="none", dim=(1, 2, 3))
    return {
        "ssim": round(float(ssim.mean()), 4),
        "ssim_std": round(float(ssim.std()) if len(ssim) > 1 else 0.0, 4),
        "psnr": round(float(psnr.mean()), 4),
        "psnr_std": round(float(psnr.std()) if len(psnr) > 1 else 0.0, 4),
    }


def sha256(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _file_info(path: str | os.PathLike[str]) -> dict[str, str]:
    return {"file": Path(path).name, "sha256": sha256(path)}


def load_feature_extractor(path: str | os.PathLike[str]) -> tuple[nn.Module | int, bool]:
    """(feature argument for torchmetrics, is_standard_inception)."""
    path = Path(path)
    if path.suffix == ".pt2":
        return torch.export.load(str(path)).module(), False
    if path.name in STANDARD_INCEPTION_NAMES:
        try:
            import torch_fidelity  # noqa: F401  (torchmetrics builds the standard Inception through it)
        except ImportError as error:
            raise RuntimeError("the standard Inception file needs the torch-fidelity package") from error
        return 2048, True
    raise ValueError(f"{path}: expected the FID Inception file or a torch.export .pt2 feature extractor")


def _uint8(images: torch.Tensor) -> torch.Tensor:
    """[0, 1] float -> uint8, the input torchmetrics' Inception path expects."""
    return (images.clamp(0, 1) * 255 + 0.5).to(torch.uint8)


def distribution_metrics(real: torch.Tensor, fake: torch.Tensor, weights: str | None) -> dict[str, Any]:
    """FID and KID between two sets of [0, 1] images, or the reason they were skipped."""
    if not weights:
        return {"skipped": "FID/KID skipped: no Inception weights file given (--inception-weights)"}
    if not Path(weights).is_file():
        return {"skipped": f"FID/KID skipped: {weights} does not exist"}
    from torchmetrics.image.fid import FrechetInceptionDistance
    from torchmetrics.image.kid import KernelInceptionDistance

    feature, standard = load_feature_extractor(weights)
    fid_kwargs: dict[str, Any] = {"feature_extractor_weights_path": str(weights)} if standard else {}
    subset = max(2, min(len(real), len(fake), 1000) // 2)
    fid = FrechetInceptionDistance(feature=feature, **fid_kwargs)
    kid = KernelInceptionDistance(feature=feature, subset_size=subset, **fid_kwargs)
    for metric in (fid, kid):
        metric.update(_uint8(real), real=True)
        metric.update(_uint8(fake), real=False)
    kid_mean, kid_std = kid.compute()
    prefix = ("fid", "kid") if standard else ("fd_custom", "kd_custom")
    return {
        prefix[0]: round(float(fid.compute()), 4),
        prefix[1]: round(float(kid_mean), 6),
        f"{prefix[1]}_std": round(float(kid_std), 6),
        "feature_extractor": {**_file_info(weights), "standard_inception": standard},
    }


def build_lpips(backbone_weights: str | os.PathLike[str]) -> nn.Module:
    """torchmetrics' LPIPS (AlexNet) with the backbone loaded from a local torchvision state dict."""
    from torchmetrics.functional.image.lpips import _NoTrainLpips

    net = _NoTrainLpips(net="alex", pnet_rand=True)  # random backbone: nothing is downloaded
    state = torch.load(backbone_weights, map_location="cpu", weights_only=True)
    # torchvision keys 'features.<i>.<param>' -> the slice holding layer i
    index_to_slice = {
        int(name): slice_name
        for slice_name in ("slice1", "slice2", "slice3", "slice4", "slice5")
        for name, _ in getattr(net.net, slice_name).named_children()
    }
    mapped = {}
    for key, value in state.items():
        parts = key.split(".")
        if parts[0] == "features" and int(parts[1]) in index_to_slice:
            mapped[f"{index_to_slice[int(parts[1])]}.{parts[1]}.{parts[2]}"] = value
    expected = {k for k in net.net.state_dict()}
    if set(mapped) != expected:
        raise ValueError(f"{backbone_weights}: not an AlexNet state dict (missing {sorted(expected - set(mapped))[:3]})")
    net.net.load_state_dict(mapped)
    return net.eval()


def lpips_metric(pred: torch.Tensor, target: torch.Tensor, backbone_weights: str | None) -> dict[str, Any]:
    if not backbone_weights:
        return {"skipped": "LPIPS skipped: no AlexNet weights file given (--lpips-backbone-weights)"}
    if not Path(backbone_weights).is_file():
        return {"skipped": f"LPIPS skipped: {backbone_weights} does not exist"}
    net = build_lpips(backbone_weights)
    with torch.no_grad():
        scores = torch.cat([net(p, t, normalize=True).flatten() for p, t in zip(pred.split(16), target.split(16))])
    return {"lpips": round(float(scores.mean()), 4), "lpips_std": round(float(scores.std()) if len(scores) > 1 else 0.0, 4),
            "backbone": _file_info(backbone_weights)}


def _unit(images: Sequence[Image.Image], size: int) -> torch.Tensor:
    return torch.cat([pil_to_tensor(im.resize((size, size), Image.BICUBIC)) for im in images]).add(1).div(2)


def evaluate(
    checkpoint: str | os.PathLike[str],
    photos: str | os.PathLike[str] | Sequence[Image.Image],
    real_b: str | os.PathLike[str] | Sequence[Image.Image] | None = None,
    size: int = 256,
    device: str = "auto",
    inception_weights: str | None = None,
    lpips_backbone_weights: str | None = None,
    limit: int | None = None,
) -> dict[str, Any]:
    """Score a checkpoint on held-out photos (a folder or PIL images); ``real_b`` feeds FID/KID."""
    from .infer import Stylizer
    from .synthetic import reference_stylize

    def as_images(source: Any) -> list[Image.Image]:
        if isinstance(source, (str, os.PathLike)):
            return [load_rgb(p) for p in scan_images(source).paths]
        return list(source)

    photo_images = as_images(photos)[:limit]
    forward = Stylizer.from_checkpoint(checkpoint, device, direction="ab")
    x = _unit(photo_images, size)
    fake = torch.cat([forward.forward(chunk * 2 - 1) for chunk in x.split(16)]).add(1).div(2).clamp(0, 1).cpu()
    target = _unit([reference_stylize(im.resize((size, size), Image.BICUBIC)) for im in photo_images], size)
    result: dict[str, Any] = {"images": len(photo_images), "size": size, "vs_reference": image_metrics(fake, target)}
    try:
        backward = Stylizer.from_checkpoint(checkpoint, device, direction="ba")
        rec = torch.cat([backward.forward(chunk * 2 - 1) for chunk in fake.split(16)]).add(1).div(2).clamp(0, 1).cpu()
        result["cycle"] = image_metrics(rec, x)
    except (KeyError, ValueError):
        result["cycle"] = {"skipped": "cycle needs a full training checkpoint (both generators)"}
    result["lpips_vs_reference"] = lpips_metric(fake, target, lpips_backbone_weights)
    if real_b is not None:
        real = _unit(as_images(real_b)[:limit], size)
        result["distribution"] = distribution_metrics(real, fake, inception_weights)
    else:
        result["distribution"] = {"skipped": "FID/KID skipped: no real domain-B images given"}
    return result
