"""ONNX export of a generator and a parity check against onnxruntime."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn


def export_onnx(generator: nn.Module, path: str | os.PathLike[str], size: int = 256, dynamic: bool = True,
                opset: int = 18) -> str:
    """Write ``generator`` (float32, CPU) as ONNX; with ``dynamic`` batch, height and width are free.

    Uses the TorchScript-based exporter (``dynamo=False``): it handles reflection
    padding, instance norm and fused attention with symbolic sizes and needs no
    extra packages.  Height and width must still divide by 4 at run time.
    """
    generator = generator.eval().float().cpu()
    dummy = torch.zeros(1, 3, size, size)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    axes = {"image": {0: "batch", 2: "height", 3: "width"}, "stylized": {0: "batch", 2: "height", 3: "width"}}
    torch.onnx.export(
        generator, (dummy,), str(path), input_names=["image"], output_names=["stylized"],
        dynamic_axes=axes if dynamic else None, opset_version=opset, dynamo=False,
    )
    return str(path)


def onnx_parity(path: str | os.PathLike[str], generator: nn.Module, image: torch.Tensor) -> dict[str, Any]:
    """Run the ONNX file in onnxruntime (CPU) and PyTorch on ``image``; report the differences."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(None, {"image": image.numpy().astype(np.float32)})
    with torch.no_grad():
        torch_out = generator.eval().float().cpu()(image).numpy()
    diff = np.abs(onnx_out - torch_out)
    return {"max_abs_diff": float(diff.max()), "mean_abs_diff": float(diff.mean()), "shape": list(onnx_out.shape)}
