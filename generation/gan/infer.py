"""Inference: any image size, batched, whole-image or tiled with smooth blending.

Large images (a 4096 x 4096 print) are cut into overlapping tiles; each tile's
output is weighted by a window that is 1 in the middle and falls smoothly (a
raised cosine) to ~0 across the overlap, and the weighted outputs are
normalised by the summed weights.  Neighbouring tiles therefore cross-fade
instead of meeting at a hard edge, which hides the small differences that
instance normalisation and the attention block (both per tile) produce.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from .data import pil_to_tensor, tensor_to_pil, to_rgb
from .networks import ResnetGenerator, build_generator
from .options import ModelConfig
from .train import resolve_device

WEIGHTS_KIND = "generation.gan.generator"
MULTIPLE = 4  # two stride-2 stages: sizes must divide by 4


def _ramp(length: int, overlap: int, device: torch.device | str) -> torch.Tensor:
    position = torch.arange(length, dtype=torch.float32, device=device) + 0.5
    if overlap <= 0:
        return torch.ones(length, device=device)
    ramp = torch.clamp(torch.minimum(position, length - position) / overlap, max=1.0)
    # Raised cosine; floor so image borders, covered by one tile only, keep a non-zero weight.
    return (0.5 - 0.5 * torch.cos(math.pi * ramp)).clamp(min=1e-3)


def smooth_window(height: int, width: int, overlap: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(height, width) blending weights: 1 inside, raised-cosine ramps of width ``overlap`` at each edge."""
    return _ramp(height, overlap, device)[:, None] * _ramp(width, overlap, device)[None, :]


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets of tiles covering [0, length); the last tile is flush with the end."""
    if length <= tile:
        return [0]
    stride = tile - overlap
    starts = list(range(0, length - tile + 1, stride))
    if starts[-1] != length - tile:
        starts.append(length - tile)
    return starts


def pad_to_multiple(x: torch.Tensor, multiple: int = MULTIPLE) -> tuple[torch.Tensor, tuple[int, int]]:
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


@torch.no_grad()
def tiled_apply(
    fn: Callable[[torch.Tensor], torch.Tensor],
    image: torch.Tensor,
    tile: int = 512,
    overlap: int = 64,
    batch: int = 8,
    out_channels: int = 3,
) -> torch.Tensor:
    """Apply a size-preserving image network to a 1 x C x H x W tensor tile by tile."""
    if image.shape[0] != 1:
        raise ValueError("tiled_apply takes one image at a time")
    if tile % MULTIPLE or overlap >= tile:
        raise ValueError("tile must divide by 4 and exceed the overlap")
    image, (h0, w0) = pad_to_multiple(image)
    _, _, h, w = image.shape
    th, tw = min(tile, h), min(tile, w)
    window = smooth_window(th, tw, overlap, image.device)
    out = torch.zeros(1, out_channels, h, w, device=image.device, dtype=torch.float32)
    weight = torch.zeros(1, 1, h, w, device=image.device, dtype=torch.float32)
    boxes = [(y, x) for y in tile_starts(h, th, overlap) for x in tile_starts(w, tw, overlap)]
    for i in range(0, len(boxes), batch):
        chunk = boxes[i : i + batch]
        tiles = torch.cat([image[:, :, y : y + th, x : x + tw] for y, x in chunk])
        if len(chunk) < batch and len(boxes) > batch:
            # Pad the last chunk to the full batch: one input shape for compiled / graphed networks.
            tiles = torch.cat([tiles, tiles[:1].expand(batch - len(chunk), -1, -1, -1)])
        result = fn(tiles).float()
        for (y, x), piece in zip(chunk, result):
            out[0, :, y : y + th, x : x + tw] += piece * window
            weight[0, :, y : y + th, x : x + tw] += window
    return (out / weight)[:, :, :h0, :w0]


def save_generator(generator: nn.Module, cfg: ModelConfig, path: str | os.PathLike[str],
                   dtype: torch.dtype = torch.bfloat16, meta: dict[str, Any] | None = None,
                   quantize_int8: bool = False) -> str:
    """Inference-only weights (one generator, half precision by default).

    `quantize_int8` stores every weight matrix/kernel as int8 with one float16 scale per output
    channel (symmetric), halving the file again; biases and norm parameters keep `dtype`. Used for
    the bundled demo model, which must stay small in the repository.
    """
    state: dict[str, Any] = {}
    for name, value in generator.state_dict().items():
        value = value.detach().to("cpu")
        if quantize_int8 and value.is_floating_point() and value.dim() >= 2:
            state[name] = _quantize_per_channel(value.float())
        else:
            state[name] = value.to(dtype) if value.is_floating_point() else value
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    torch.save({"kind": WEIGHTS_KIND, "model": cfg.__dict__.copy(), "state_dict": state, "meta": meta or {}}, path)
    return str(path)


def _quantize_per_channel(weight: torch.Tensor) -> dict[str, torch.Tensor]:
    flat = weight.reshape(weight.shape[0], -1)
    scale = (flat.abs().amax(dim=1) / 127.0).clamp(min=1e-12)
    codes = torch.round(flat / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return {"int8": codes.reshape(weight.shape), "scale": scale.to(torch.float16)}


def _dequantize(value: Any) -> torch.Tensor:
    if isinstance(value, dict):  # int8 per-channel (see save_generator)
        shape = [-1] + [1] * (value["int8"].dim() - 1)
        return value["int8"].float() * value["scale"].float().reshape(shape)
    return value.float() if value.is_floating_point() else value


def load_generator(path: str | os.PathLike[str], direction: str = "ab") -> tuple[ResnetGenerator, ModelConfig, dict[str, Any]]:
    """A float32 CPU generator from inference weights or a full training checkpoint."""
    state = torch.load(path, map_location="cpu", weights_only=False)
    if state.get("kind") == WEIGHTS_KIND:
        cfg, weights, meta = ModelConfig(**state["model"]), state["state_dict"], state.get("meta", {})
    elif "models" in state and "config" in state:
        cfg = ModelConfig(**state["config"]["model"])
        weights, meta = state["models"][f"g_{direction}"], {"iteration": state["iteration"]}
    else:
        raise ValueError(f"{path}: neither generator weights nor a training checkpoint")
    generator = build_generator(cfg)
    generator.load_state_dict({k: _dequantize(v) for k, v in weights.items()})
    return generator.eval(), cfg, meta


class Stylizer:
    """Photo -> paper-cut with a trained generator.  bf16 on GPU, float32 on CPU."""

    def __init__(self, generator: nn.Module, device: str | torch.device = "auto", tile: int | None = None,
                 overlap: int | None = None, max_whole_pixels: int | None = None, batch: int = 8,
                 compile: bool = False, compile_mode: str = "default", cuda_graph: bool = False) -> None:
        self.device = resolve_device(str(device))
        cuda = self.device.type == "cuda"
        self.memory_format = torch.channels_last if cuda else torch.contiguous_format
        self.generator = generator.eval().to(self.device, memory_format=self.memory_format)
        self.amp_dtype = torch.bfloat16 if cuda else None
        # Attention cost grows with (pixels)^2, so CPU gets smaller whole images and tiles.
        self.tile = tile or (512 if cuda else 256)
        self.overlap = overlap if overlap is not None else self.tile // 4
        self.max_whole_pixels = max_whole_pixels or ((1024 * 1024) if cuda else (512 * 512))
        self.batch = batch
        self.net = torch.compile(self.generator, mode=compile_mode, dynamic=False) if compile else self.generator
        # One CUDA graph per input shape, captured on first use and replayed after (CUDA only): for
        # repeated batches of one shape (galleries, tiles, benchmarks); each graph keeps its own memory.
        self.cuda_graph = cuda_graph and cuda
        self.graphs: dict[tuple[Any, ...], tuple[torch.cuda.CUDAGraph, torch.Tensor, torch.Tensor]] = {}
        self.meta: dict[str, Any] = {}

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike[str], device: str | torch.device = "auto",
                        direction: str = "ab", **kwargs: Any) -> Stylizer:
        generator, _cfg, meta = load_generator(path, direction)
        stylizer = cls(generator, device, **kwargs)
        stylizer.meta = meta
        return stylizer

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    @torch.no_grad()
    def forward(self, batch: torch.Tensor) -> torch.Tensor:
        """N x 3 x H x W in [-1, 1] (H, W divisible by 4) -> same shape, float32."""
        batch = batch.to(self.device).contiguous(memory_format=self.memory_format)
        if self.cuda_graph:
            return self._replay(batch)
        return self._run(batch)

    def _run(self, batch: torch.Tensor) -> torch.Tensor:
        with self._autocast():
            return self.net(batch).float()

    def _replay(self, batch: torch.Tensor) -> torch.Tensor:
        key = (tuple(batch.shape), batch.dtype)
        if key not in self.graphs:
            static_in = batch.clone()
            side = torch.cuda.Stream(self.device)  # warm-up (compilation, cuDNN autotuning) off the capture
            side.wait_stream(torch.cuda.current_stream(self.device))
            with torch.cuda.stream(side):
                for _ in range(3):
                    self._run(static_in)
            torch.cuda.current_stream(self.device).wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                static_out = self._run(static_in)
            self.graphs[key] = (graph, static_in, static_out)
        graph, static_in, static_out = self.graphs[key]
        static_in.copy_(batch)
        graph.replay()
        return static_out.clone()  # the next replay overwrites static_out

    @torch.no_grad()
    def stylize_tensor(self, image: torch.Tensor) -> torch.Tensor:
        """1 x 3 x H x W in [-1, 1], any H and W -> same size; tiles when the image is large."""
        image = image.to(self.device)
        if image.shape[-2] * image.shape[-1] <= self.max_whole_pixels:
            padded, (h, w) = pad_to_multiple(image)
            return self.forward(padded)[:, :, :h, :w]
        return tiled_apply(self.forward, image, self.tile, self.overlap, self.batch)

    def stylize(self, image: Image.Image, out_size: int | tuple[int, int] | None = None) -> Image.Image:
        """Stylize a PIL image.  ``out_size``: long side in pixels, or (width, height); None keeps the size."""
        image = to_rgb(image)
        if out_size is not None:
            image = image.resize(_target_size(image.size, out_size), Image.BICUBIC)
        return tensor_to_pil(self.stylize_tensor(pil_to_tensor(image)))

    def stylize_batch(self, images: Sequence[Image.Image], size: int = 256) -> list[Image.Image]:
        """Many images at once, each resized to size x size (for galleries and throughput)."""
        batch = torch.cat([pil_to_tensor(to_rgb(im).resize((size, size), Image.BICUBIC)) for im in images])
        outputs = [self.forward(chunk) for chunk in batch.split(self.batch * 4)]
        return [tensor_to_pil(t) for t in torch.cat(outputs)]


def _target_size(size: tuple[int, int], out_size: int | tuple[int, int]) -> tuple[int, int]:
    if isinstance(out_size, int):
        w, h = size
        scale = out_size / max(w, h)
        return max(1, round(w * scale)), max(1, round(h * scale))
    return int(out_size[0]), int(out_size[1])
