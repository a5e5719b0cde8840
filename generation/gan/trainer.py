"""One CycleGAN training iteration and the trainer's state (``Trainer``).

``Trainer.step`` runs one iteration: both generators (adversarial, cycle and identity
losses, one backward), then both discriminators against pooled fakes.  The device work
lives in ``Trainer.maths`` with no host synchronisation, so ``StepGraph`` can capture it
as one CUDA graph (``TrainConfig.cuda_graph``).  ``state_dict`` / ``load_checkpoint``
hold everything needed to resume exactly.  The run loop is in ``train.py``.
"""

from __future__ import annotations

import contextlib
import copy
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from .data import tensor_to_pil, uint8_to_model
from .image_pool import ImagePool
from .losses import discriminator_loss, l1_loss, lsgan_loss
from .networks import build_discriminator, build_generator
from .options import TrainConfig
from .step_graph import StepGraph

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

        if cuda and cfg.cudnn_benchmark:
            torch.backends.cudnn.benchmark = True  # fixed shapes: cuDNN's autotuning pays from iteration 2
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
        # The whole iteration as one CUDA graph (single process only: the hand-made all-reduce
        # stays outside graphs).  Adam then keeps its step count and learning rate on the device.
        self.graph: StepGraph | None = StepGraph(self, cfg.graph_warmup) if (cuda and cfg.cuda_graph and world_size == 1) else None
        self.adam_flags: dict[str, Any] = {}
        if cuda and (cfg.fused_adam or self.graph is not None):
            self.adam_flags["fused"] = True
        if self.graph is not None:
            self.adam_flags["capturable"] = True
        self.opt_g = self._adam(self.g_params)
        self.opt_d = self._adam(self.d_params)
        self.pool_a = ImagePool(cfg.pool_size, seed=cfg.seed * 1000 + rank)
        self.pool_b = ImagePool(cfg.pool_size, seed=cfg.seed * 1000 + rank + 500)
        self.iteration = 0
        self.last: dict[str, torch.Tensor] = {}  # images of the latest step, for sample grids
        # Speed features that failed and were switched off ({"feature", "reason", "iteration"}); the run
        # loop reports each as a 'fallback' event.  torch.compile compiles during the first iteration, so
        # that one runs on a snapshot it can roll back to (see ``step``).
        self.fallbacks: list[dict[str, Any]] = []
        self.fallbacks_seen: list[dict[str, Any]] = []  # all of them, for ``speed``
        self.compile_unproven = cfg.compile

    def _adam(self, params: list[nn.Parameter]) -> torch.optim.Adam:
        lr: float | torch.Tensor = self.cfg.lr
        if self.graph is not None:  # a graph reads the rate from memory, so it can decay between replays
            lr = torch.tensor(self.cfg.lr, dtype=torch.float32, device=self.device)
        return torch.optim.Adam(params, lr=lr, betas=(self.cfg.beta1, self.cfg.beta2), **self.adam_flags)

    def _set_lr(self, factor: float) -> None:
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                if isinstance(group["lr"], torch.Tensor):
                    group["lr"].fill_(self.cfg.lr * factor)  # a kernel, not a host sync
                else:
                    group["lr"] = self.cfg.lr * factor

    # ------------------------------------------------------------------ maths

    def _autocast(self) -> contextlib.AbstractContextManager[Any]:
        """bf16 autocast (if asked, on CUDA) and the chosen attention kernels, around forward passes."""
        stack = contextlib.ExitStack()
        if self.amp_dtype is not None:
            # No weight-cast cache when a graph is captured: cached casts would outlive the capture.
            stack.enter_context(torch.autocast(device_type=self.device.type, dtype=self.amp_dtype,
                                               cache_enabled=self.graph is None))
        if self.device.type == "cuda" and self.cfg.attention_backend != "auto":
            from torch.nn.attention import SDPBackend, sdpa_kernel

            backend = {"flash": SDPBackend.FLASH_ATTENTION, "cudnn": SDPBackend.CUDNN_ATTENTION,
                       "efficient": SDPBackend.EFFICIENT_ATTENTION, "math": SDPBackend.MATH}[self.cfg.attention_backend]
            stack.enter_context(sdpa_kernel([backend]))
        return stack

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
        self._set_lr(lr_factor(self.iteration, cfg))
        if self.compile_unproven:
            losses = self._first_compiled_step(a, b)
        else:
            losses = self._device_step(a, b, self._plan(a, b))
        self.iteration += 1
        return losses

    def _plan(self, a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        """The pools' random decisions, made on the host before any device work."""
        return (self.pool_a.plan(a.shape[0]), self.pool_b.plan(b.shape[0])) if self.cfg.pool_size else None

    def _device_step(self, a: torch.Tensor, b: torch.Tensor, plans) -> dict[str, torch.Tensor]:
        if self.graph is not None:
            return self.graph.step(a, b, plans)
        return self.maths(a, b, None if plans is None else tuple(self._to_device(p) for p in plans))

    def _first_compiled_step(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        """The iteration in which torch.compile compiles.  If compiling fails (no Triton or C compiler on
        the worker, an Inductor bug), the networks, optimisers and pools are restored to where they were
        before it and the run continues with eager networks: slower, same maths."""
        snapshot = self._snapshot()  # before the pools plan: a retry draws the same decisions again
        try:
            losses = self._device_step(a, b, self._plan(a, b))
        except Exception as error:  # noqa: BLE001 -- a compiler failure must not end the run
            if self.device.type == "cuda":
                torch.cuda.synchronize(self.device)  # a warm-up step on a side stream may still be running
            self._restore(snapshot)
            self.run = dict(self.nets)
            self.report_fallback("compile", error)
            if self.graph is not None:
                self.graph.reset()  # warm up and capture again, with the eager networks
            losses = self._device_step(a, b, self._plan(a, b))
        self.compile_unproven = False
        return losses

    def _snapshot(self) -> dict[str, Any]:
        return {
            "models": {name: {k: v.detach().clone() for k, v in net.state_dict().items()} for name, net in self.nets.items()},
            "optimizers": [copy.deepcopy(opt.state_dict()) for opt in (self.opt_g, self.opt_d)],
            "pools": [pool.state_dict() for pool in (self.pool_a, self.pool_b)],
        }

    def _restore(self, snapshot: dict[str, Any]) -> None:
        with torch.no_grad():
            for name, net in self.nets.items():
                net.load_state_dict(snapshot["models"][name])
        for opt, state in zip((self.opt_g, self.opt_d), snapshot["optimizers"]):
            lrs = [group["lr"] for group in opt.param_groups]  # keep the device-side rate a graph reads
            opt.load_state_dict(state)
            for group, lr in zip(opt.param_groups, lrs):
                group["lr"] = lr
        for pool, state in zip((self.pool_a, self.pool_b), snapshot["pools"]):
            pool.load_state_dict(state, self.device)

    def speed(self) -> dict[str, Any]:
        """The speed features in use now (JSON-safe; for 'start' and 'fallback' events)."""
        graph_on = self.graph is not None and not self.graph.failed
        compiled = self.cfg.compile and not any(f["feature"] == "compile" for f in self.fallbacks_seen)
        return {"precision": "bf16" if self.amp_dtype is not None else "fp32", "compile": compiled,
                "compile_mode": self.cfg.compile_mode if compiled else None, "cuda_graph": graph_on,
                "channels_last": self.memory_format == torch.channels_last}

    def report_fallback(self, feature: str, error: BaseException | str) -> None:
        """A speed feature failed and is off from now on: warn, and queue a 'fallback' event."""
        reason = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        reason = reason.strip()[:500]
        warnings.warn(f"{feature} failed, training continues without it: {reason}", stacklevel=3)
        self.fallbacks.append({"feature": feature, "reason": reason, "iteration": self.iteration})
        self.fallbacks_seen.append(self.fallbacks[-1])

    def _to_device(self, plan: torch.Tensor) -> torch.Tensor:
        if self.device.type == "cuda":  # pinned + non-blocking: the host does not wait for the GPU
            return plan.pin_memory().to(self.device, non_blocking=True)
        return plan.to(self.device)

    def maths(self, a: torch.Tensor, b: torch.Tensor, plans: tuple[torch.Tensor, torch.Tensor] | None
              ) -> dict[str, torch.Tensor]:
        """The device work of one iteration: no host synchronisation, same kernels every call
        (so ``StepGraph`` can capture it).  ``plans`` are the image pools' decisions on the device."""
        cfg = self.cfg
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
        if plans is None:
            fake_b, fake_a = images["fake_b"].detach(), images["fake_a"].detach()
        else:
            fake_a = self.pool_a.apply(images["fake_a"], plans[0])
            fake_b = self.pool_b.apply(images["fake_b"], plans[1])
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
        for opt, key in ((self.opt_g, "g"), (self.opt_d, "d")):
            lrs = [group["lr"] for group in opt.param_groups]
            opt.load_state_dict(state["optimizers"][key])
            for group, lr in zip(opt.param_groups, lrs):
                # Keep this trainer's Adam implementation (a checkpoint may come from another device)
                # and its learning-rate object (a captured graph reads that tensor).
                group.update({"fused": None, "capturable": False, "foreach": None, **self.adam_flags, "lr": lr})
            if self.adam_flags:  # fused / capturable Adam keeps its step counts on the parameters' device
                for param_state in opt.state.values():
                    param_state["step"] = param_state["step"].to(self.device, torch.float32)
        if self.graph is not None:
            self.graph.reset()  # the optimisers' state tensors are new objects: capture again
        self.pool_a.load_state_dict(state["pools"]["a"], self.device)
        self.pool_b.load_state_dict(state["pools"]["b"], self.device)
        # RNG states must be CPU byte tensors, whatever map_location the checkpoint was loaded with.
        torch.set_rng_state(state["rng"]["torch"].cpu())
        if "cuda" in state["rng"] and self.device.type == "cuda":
            torch.cuda.set_rng_state(state["rng"]["cuda"].cpu(), self.device)
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
