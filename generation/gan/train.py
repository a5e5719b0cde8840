"""CycleGAN training: the run loop (``train``, ``resume``); the per-iteration maths is ``Trainer``
(``trainer.py``, re-exported here).

The run loop reports progress as JSON-safe dicts through ``on_event`` (so a
Celery task can publish them), checks ``should_stop`` every iteration, writes
atomic checkpoints that restore a run exactly (networks, optimisers, learning
rate position, image pools, RNG, iteration) and saves A -> B -> A sample grids.

Several processes under ``torchrun`` train data-parallel: every rank starts
from rank 0's weights, reads disjoint samples, and gradients are averaged with
one flat all-reduce per optimiser before each step.  (We do the all-reduce by
hand rather than through ``nn.parallel.DistributedDataParallel`` because each
generator runs twice per iteration and the discriminators are used both frozen
and trainable within one step, patterns the DDP wrapper handles badly; the
model is small, so one flat all-reduce costs well under a millisecond on NVLink.)
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from .data import StreamSampler, UnpairedImages, scan_images
from .options import TrainConfig
from .trainer import CHECKPOINT_FORMAT, Trainer, lr_factor, resolve_device

__all__ = [
    "TrainResult",
    "Trainer",
    "build_dataset",
    "latest_checkpoint",
    "load_checkpoint",
    "lr_factor",
    "resolve_device",
    "resume",
    "train",
]

EventCallback = Callable[[dict[str, Any]], None]


def load_checkpoint(path: str | os.PathLike[str], map_location: str | torch.device = "cpu") -> dict[str, Any]:
    state = torch.load(path, map_location=map_location, weights_only=False)
    if state.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not a generation.gan training checkpoint")
    return state


def latest_checkpoint(out_dir: str | os.PathLike[str]) -> str | None:
    found = sorted(Path(out_dir).glob("checkpoint_*.pt"))
    return str(found[-1]) if found else None


# ---------------------------------------------------------------------- run loop


@dataclass
class TrainResult:
    status: str  # 'finished' or 'stopped'
    iterations: int
    checkpoint: str | None
    losses: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    images_per_second: float = 0.0
    skipped_files: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _init_distributed() -> tuple[int, int, int]:
    """(rank, world_size, local_rank) from torchrun's environment; (0, 1, 0) otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return 0, 1, 0
    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if torch.cuda.is_available():
        torch.cuda.set_device(local)
    return dist.get_rank(), world, local


def build_dataset(cfg: TrainConfig, emit: EventCallback) -> tuple[UnpairedImages, list[dict[str, str]]]:
    """Scan both folders (reporting skipped files as 'data' events) and build the stream."""
    reports = {"a": scan_images(cfg.data_a), "b": scan_images(cfg.data_b)}
    skipped = []
    for domain, report in reports.items():
        emit({"event": "data", "domain": domain, **report.as_dict()})
        skipped += report.as_dict()["skipped"]  # type: ignore[operator]
    dataset = UnpairedImages(
        reports["a"].paths, reports["b"].paths, cfg.load_size, cfg.crop_size, cfg.flip, cfg.seed, cfg.cache_images
    )
    return dataset, skipped


def _floats(losses: dict[str, torch.Tensor]) -> dict[str, float]:
    values = torch.stack(list(losses.values())).float().cpu().tolist()  # one device sync, not one per loss
    return {k: round(v, 6) for k, v in zip(losses, values)}


def train(
    cfg: TrainConfig,
    on_event: EventCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    resume: str | os.PathLike[str] | None = None,
    dataset: UnpairedImages | None = None,
) -> TrainResult:
    """Train (or continue) a CycleGAN.  ``resume`` is a checkpoint path or 'latest' (newest in out_dir)."""
    rank, world, local = _init_distributed()
    device = resolve_device(cfg.device)
    if device.type == "cuda" and world > 1:
        device = torch.device("cuda", local)
    out = Path(cfg.out_dir)
    events_file = None
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2))
        events_file = open(out / "events.jsonl", "a", encoding="utf-8")  # noqa: SIM115 -- open for the whole run

    def emit(event: dict[str, Any]) -> None:
        if rank != 0:
            return
        event = {"time": round(time.time(), 3), **event}
        events_file.write(json.dumps(event) + "\n")  # type: ignore[union-attr]
        events_file.flush()  # type: ignore[union-attr]
        if on_event is not None:
            on_event(event)

    trainer = Trainer(cfg, rank, world, device)
    if resume == "latest":
        resume = latest_checkpoint(out)
    if resume:
        # Loaded on the CPU: load_state_dict moves each part to where it lives (RNG states stay on the CPU).
        trainer.load_state_dict(load_checkpoint(resume, "cpu"))
        emit({"event": "resumed", "checkpoint": str(resume), "iteration": trainer.iteration})
    skipped: list[dict[str, str]] = []
    if dataset is None:
        dataset, skipped = build_dataset(cfg, emit)
    loader = torch.utils.data.DataLoader(
        dataset,
        batch_size=cfg.batch_size,
        sampler=StreamSampler(cfg.batch_size, trainer.iteration, rank, world),
        num_workers=cfg.num_workers,
        pin_memory=device.type == "cuda",
        persistent_workers=cfg.num_workers > 0,
        prefetch_factor=4 if cfg.num_workers > 0 else None,
    )
    total = cfg.total_iterations
    emit({"event": "start", "iteration": trainer.iteration, "total": total, "world_size": world,
          "device": str(device), "variant": cfg.model.variant_name, "speed": trainer.speed()})

    def checkpoint() -> str | None:
        if rank != 0:
            return None
        path = trainer.save_checkpoint(out / f"checkpoint_{trainer.iteration:07d}.pt")
        for old in sorted(out.glob("checkpoint_*.pt"))[: -max(1, cfg.keep_checkpoints)]:
            old.unlink()
        emit({"event": "checkpoint", "iteration": trainer.iteration, "path": path})
        return path

    started = time.perf_counter()
    window_start, window_iter = started, trainer.iteration
    first_iteration = trainer.iteration
    losses: dict[str, torch.Tensor] = {}
    status, last_path = "finished", None
    batches = iter(loader)
    while trainer.iteration < total:
        if should_stop is not None and should_stop():
            status = "stopped"
            break
        real_a, real_b = next(batches)
        losses = trainer.step(real_a, real_b)
        while trainer.fallbacks:  # a speed feature failed; the run goes on without it
            emit({"event": "fallback", **trainer.fallbacks.pop(0), "speed": trainer.speed()})
        it = trainer.iteration
        if it % cfg.log_every == 0 or it == total:
            values = _floats(losses)  # synchronises, so the timing below is honest
            now = time.perf_counter()
            rate = (it - window_iter) / max(now - window_start, 1e-9)
            window_start, window_iter = now, it
            emit({"event": "progress", "iteration": it, "total": total, "losses": values,
                  "lr": cfg.lr * lr_factor(it, cfg), "iterations_per_second": round(rate, 3),
                  "images_per_second": round(rate * cfg.batch_size * world, 2),
                  "eta_seconds": round((total - it) / max(rate, 1e-9), 1)})
        if rank == 0 and cfg.sample_every and it % cfg.sample_every == 0:
            (out / "samples").mkdir(exist_ok=True)
            sample_path = out / "samples" / f"iter_{it:07d}.png"
            trainer.sample_grid().save(sample_path)
            emit({"event": "sample", "iteration": it, "path": str(sample_path)})
        if cfg.checkpoint_every and it % cfg.checkpoint_every == 0 and it < total:
            last_path = checkpoint()
    last_path = checkpoint() or last_path
    seconds = time.perf_counter() - started
    done = trainer.iteration - first_iteration
    result = TrainResult(
        status=status,
        iterations=trainer.iteration,
        checkpoint=last_path,
        losses=_floats(losses) if losses else {},
        seconds=round(seconds, 3),
        images_per_second=round(done * cfg.batch_size * world / max(seconds, 1e-9), 2),
        skipped_files=skipped,
    )
    emit({"event": "end", **result.as_dict()})
    if events_file is not None:
        events_file.close()
    if world > 1:
        dist.barrier()  # rank 0 may still be writing the final checkpoint
    return result


def resume(checkpoint_path: str, on_event: EventCallback | None = None,
           should_stop: Callable[[], bool] | None = None, **overrides: Any) -> TrainResult:
    """Continue a run from its checkpoint with the configuration stored in it (fields overridable)."""
    cfg = TrainConfig.from_dict({**load_checkpoint(checkpoint_path)["config"], **overrides})
    return train(cfg, on_event=on_event, should_stop=should_stop, resume=checkpoint_path)
