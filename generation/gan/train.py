"""CycleGAN training: the per-iteration maths (``Trainer``) and the run loop (``train``).

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

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from .data import StreamSampler, UnpairedImages, scan_images, tensor_to_pil, uint8_to_model
from .image_pool import ImagePool
from .losses import discriminator_loss, l1_loss, lsgan_loss
from .networks import build_discriminator, build_generator
from .options import TrainConfig

EventCallback = Callable[[dict[str, Any]], None]
CHECKPOINT_FORMAT = 1


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def lr_factor(iteration: int, cfg: TrainConfig) -> float:
    """Constant for ``cfg.iterations``, then linear decay towards 0 over ``cfg.decay_iterations``."""
    return 1.0 - max(0, iteration - cfg.iterations) / float(cfg.decay_iterations + 1)


def _set_requires_grad(nets: Iterable[nn.Module], flag: bool) -> None:
    for net in nets:
        for p in net.parameters():
            p.requires_grad_(flag)


def _all_reduce_mean(params: list[nn.Parameter], world_size: int) -> None:
    grads = [p.grad for p in params if p.grad is not None]
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat.div_(world_size)
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


class Trainer:
    """Two generators, two discriminators, their optimisers and pools; one ``step`` per iteration.

    Naming: ``g_ab`` maps domain A (photos) to B (paper-cuts); ``d_b`` judges whether an
    image is a real B.  ``g_ba`` and ``d_a`` are the reverse pair.
    """

    def __init__(self, cfg: TrainConfig, rank: int = 0, world_size: int = 1, device: torch.device | None = None):
        self.cfg, self.rank, self.world_size = cfg, rank, world_size
        self.device = device or resolve_device(cfg.device)
        cuda = self.device.type == "cuda"
        self.amp_dtype = torch.bfloat16 if (cuda and cfg.precision == "bf16") else None
        self.memory_format = torch.channels_last if (cuda and cfg.channels_last) else torch.contiguous_format

        if not cuda:
            # Adam's second moments of near-zero gradients become denormal floats, which x86
            # CPUs process up to 50x slower; flushing them to zero changes no result that matters.
            torch.set_flush_denormal(True)
        torch.manual_seed(cfg.seed)  # identical initial weights on every rank
        self.nets: dict[str, nn.Module] = {
            "g_ab": build_generator(cfg.model),
            "g_ba": build_generator(cfg.model),
            "d_a": build_discriminator(cfg.model),
            "d_b": build_discriminator(cfg.model),
        }
        for net in self.nets.values():
            net.to(self.device, memory_format=self.memory_format)
            if world_size > 1:
                for tensor in net.state_dict().values():
                    dist.broadcast(tensor, src=0)
        if cfg.compile:
            # Each network is called with a few batch shapes and with/without weight gradients;
            # leave room for those graphs (the default limit of 8 is shared by all instances).
            torch._dynamo.config.cache_size_limit = max(torch._dynamo.config.cache_size_limit, 64)
        # What the step calls: compiled wrappers if asked, else the modules themselves.
        self.run = {
            name: torch.compile(net, mode=cfg.compile_mode, dynamic=False) if cfg.compile else net
            for name, net in self.nets.items()
        }
        self.g_params = [p for n in ("g_ab", "g_ba") for p in self.nets[n].parameters()]
        self.d_params = [p for n in ("d_a", "d_b") for p in self.nets[n].parameters()]
        adam: dict[str, Any] = {"lr": cfg.lr, "betas": (cfg.beta1, cfg.beta2)}
        if cuda and cfg.fused_adam:
            adam["fused"] = True
        self.opt_g = torch.optim.Adam(self.g_params, **adam)
        self.opt_d = torch.optim.Adam(self.d_params, **adam)
        self.pool_a = ImagePool(cfg.pool_size, seed=cfg.seed * 1000 + rank)
        self.pool_b = ImagePool(cfg.pool_size, seed=cfg.seed * 1000 + rank + 500)
        self.iteration = 0
        self.last: dict[str, torch.Tensor] = {}  # images of the latest step, for sample grids

    # ------------------------------------------------------------------ maths

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.amp_dtype)

    def prepare(self, batch: torch.Tensor) -> torch.Tensor:
        """uint8 loader batch or float tensor -> model input on device in the training layout.

        Under bf16 autocast the inputs are cast to bf16 here, so that every network call sees
        one dtype (real images and generated ones alike); otherwise torch.compile recompiles
        per dtype and, past its recompile limit, silently falls back to eager.
        """
        if batch.dtype == torch.uint8:
            batch = uint8_to_model(batch, self.device, self.memory_format == torch.channels_last)
        batch = batch.to(self.device, non_blocking=True).contiguous(memory_format=self.memory_format)
        return batch.to(self.amp_dtype) if self.amp_dtype is not None else batch

    def _generate(self, a: torch.Tensor, b: torch.Tensor, idt: bool) -> dict[str, torch.Tensor]:
        g_ab, g_ba = self.run["g_ab"], self.run["g_ba"]
        n = a.shape[0]
        if self.cfg.merge_forwards:
            # Instance norm works per image, so stacking inputs into one call is the same maths
            # with fewer, larger kernels: 3 generator calls per iteration instead of 6.
            out = g_ab(torch.cat([a, b]) if idt else a)
            fake_b = out[:n]
            images = {"fake_b": fake_b}
            if idt:
                images["idt_b"] = out[n:]
            out = g_ba(torch.cat([b, fake_b, a]) if idt else torch.cat([b, fake_b]))
            images["fake_a"], images["rec_a"] = out[:n], out[n : 2 * n]
            if idt:
                images["idt_a"] = out[2 * n :]
            images["rec_b"] = g_ab(images["fake_a"])
            return images
        # The reference CycleGAN order, one network call per image set.
        fake_b = g_ab(a)
        rec_a = g_ba(fake_b)
        fake_a = g_ba(b)
        rec_b = g_ab(fake_a)
        images = {"fake_b": fake_b, "rec_a": rec_a, "fake_a": fake_a, "rec_b": rec_b}
        if idt:
            images["idt_b"], images["idt_a"] = g_ab(b), g_ba(a)
        return images

    def step(self, real_a: torch.Tensor, real_b: torch.Tensor) -> dict[str, torch.Tensor]:
        """One CycleGAN iteration (generators, then discriminators).  Returns detached losses."""
        cfg = self.cfg
        if cfg.compile and "reduce-overhead" in cfg.compile_mode:
            torch.compiler.cudagraph_mark_step_begin()  # CUDA-graph outputs of the last step may be reused
        a, b = self.prepare(real_a), self.prepare(real_b)
        factor = lr_factor(self.iteration, cfg)
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                group["lr"] = cfg.lr * factor
        idt = cfg.lambda_idt > 0

        # Generators: the discriminators are frozen, so their weights get no gradients.
        _set_requires_grad((self.nets["d_a"], self.nets["d_b"]), False)
        with self._autocast():
            images = self._generate(a, b, idt)
            loss_gan_ab = lsgan_loss(self.run["d_b"](images["fake_b"]), True)
            loss_gan_ba = lsgan_loss(self.run["d_a"](images["fake_a"]), True)
        loss_cyc = cfg.lambda_cyc * (l1_loss(images["rec_a"], a) + l1_loss(images["rec_b"], b))
        loss_g = loss_gan_ab + loss_gan_ba + loss_cyc
        losses = {"g_ab": loss_gan_ab, "g_ba": loss_gan_ba, "cycle": loss_cyc}
        if idt:
            loss_idt = cfg.lambda_cyc * cfg.lambda_idt * (l1_loss(images["idt_b"], b) + l1_loss(images["idt_a"], a))
            loss_g = loss_g + loss_idt
            losses["identity"] = loss_idt
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        if self.world_size > 1:
            _all_reduce_mean(self.g_params, self.world_size)
        self.opt_g.step()

        # Discriminators: real images against pooled (older or current) fakes.
        _set_requires_grad((self.nets["d_a"], self.nets["d_b"]), True)
        fake_b = self.pool_b.query(images["fake_b"])
        fake_a = self.pool_a.query(images["fake_a"])
        n = a.shape[0]
        with self._autocast():
            if cfg.merge_forwards:
                pred_b = self.run["d_b"](torch.cat([b, fake_b]))
                pred_a = self.run["d_a"](torch.cat([a, fake_a]))
                loss_d_b = discriminator_loss(pred_b[:n], pred_b[n:])
                loss_d_a = discriminator_loss(pred_a[:n], pred_a[n:])
            else:
                loss_d_b = discriminator_loss(self.run["d_b"](b), self.run["d_b"](fake_b))
                loss_d_a = discriminator_loss(self.run["d_a"](a), self.run["d_a"](fake_a))
        self.opt_d.zero_grad(set_to_none=True)
        (loss_d_a + loss_d_b).backward()
        if self.world_size > 1:
            _all_reduce_mean(self.d_params, self.world_size)
        self.opt_d.step()

        losses.update(d_a=loss_d_a, d_b=loss_d_b)
        self.iteration += 1
        self.last = {"real_a": a, "real_b": b, **{k: v for k, v in images.items() if k in ("fake_a", "fake_b", "rec_a", "rec_b")}}
        return {k: v.detach() for k, v in losses.items()}

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict[str, Any]:
        rng: dict[str, Any] = {"torch": torch.get_rng_state()}
        if self.device.type == "cuda":
            rng["cuda"] = torch.cuda.get_rng_state(self.device)
        return {
            "format": CHECKPOINT_FORMAT,
            "config": self.cfg.to_dict(),
            "iteration": self.iteration,
            "models": {name: net.state_dict() for name, net in self.nets.items()},
            "optimizers": {"g": self.opt_g.state_dict(), "d": self.opt_d.state_dict()},
            "pools": {"a": self.pool_a.state_dict(), "b": self.pool_b.state_dict()},
            "rng": rng,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name, net in self.nets.items():
            net.load_state_dict(state["models"][name])
        self.opt_g.load_state_dict(state["optimizers"]["g"])
        self.opt_d.load_state_dict(state["optimizers"]["d"])
        self.pool_a.load_state_dict(state["pools"]["a"], self.device)
        self.pool_b.load_state_dict(state["pools"]["b"], self.device)
        torch.set_rng_state(state["rng"]["torch"])
        if "cuda" in state["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng"]["cuda"], self.device)
        self.iteration = int(state["iteration"])

    def save_checkpoint(self, path: str | os.PathLike[str]) -> str:
        """Write atomically (temp file + rename), so a kill mid-write never leaves a broken checkpoint."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        torch.save(self.state_dict(), tmp)
        os.replace(tmp, path)
        return str(path)

    def sample_grid(self, count: int = 4):
        """PIL image: rows of A | G_ab(A) | G_ba(G_ab(A)) | B | G_ba(B) | G_ab(G_ba(B))."""
        from PIL import Image

        keys = ("real_a", "fake_b", "rec_a", "real_b", "fake_a", "rec_b")
        rows = min(count, self.last["real_a"].shape[0])
        tiles = [[tensor_to_pil(self.last[k][i]) for k in keys] for i in range(rows)]
        w, h = tiles[0][0].size
        grid = Image.new("RGB", (w * len(keys), h * rows))
        for r, row in enumerate(tiles):
            for c, tile in enumerate(row):
                grid.paste(tile, (c * w, r * h))
        return grid


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
        trainer.load_state_dict(load_checkpoint(resume, device))
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
          "device": str(device), "variant": cfg.model.variant_name})

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
