"""A whole training iteration as one CUDA graph (``TrainConfig.cuda_graph``).

At batch 1 a training iteration is a few thousand small kernels, and launching them
from Python (autograd, optimisers, torch.compile's guards and wrappers) took longer
than running them.  ``StepGraph`` runs ``Trainer.maths`` eagerly for a few warm-up
iterations on a side stream (cuDNN autotuning, compilation, optimiser state and the
image pools' buffers happen there), then captures one call of it -- both generators'
forward and backward, both discriminators', both Adam steps -- and from then on
replays it: per iteration the host copies the two input batches and the pools'
decisions into the graph's static inputs, writes the learning rate into Adam's
device-side rate, and launches one graph.

Same maths as the eager step (same kernels); what a graph needs is provided by the
trainer: Adam with ``capturable=True`` and a tensor learning rate, image pools that
decide on the host and apply fixed-shape gathers, no ``.item()`` in the step.
CUDA only.  If capture fails, ``Trainer.report_fallback`` records why (the run loop turns that into
a 'fallback' event) and every later iteration runs eagerly; capture changes no state (captured kernels
do not run), so the failed iteration is simply run again eagerly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from .train import Trainer


class StepGraph:
    def __init__(self, trainer: Trainer, warmup: int = 3) -> None:
        self.trainer = trainer
        self.warmup = max(1, warmup)
        self.reset()

    def reset(self) -> None:
        self.graph: torch.cuda.CUDAGraph | None = None
        self.seen = 0
        self.failed: str | None = None
        self.static: dict[str, torch.Tensor] = {}
        self.outputs: dict[str, torch.Tensor] = {}

    def _plans(self, plans, device):
        if plans is None:
            return None
        return tuple(p.pin_memory().to(device, non_blocking=True) for p in plans)

    def step(self, a: torch.Tensor, b: torch.Tensor, plans) -> dict[str, torch.Tensor]:
        trainer = self.trainer
        if self.failed or (self.graph is None and self.seen < self.warmup):
            self.seen += 1
            return self._eager(a, b, plans)
        if self.graph is None:
            try:
                self._capture(a, b, plans)
            except Exception as error:  # noqa: BLE001 -- a capture failure must not end the run
                self.failed = f"{type(error).__name__}: {error}"
                self.graph = None
                trainer.report_fallback("cuda_graph", error)
                return self.step(a, b, plans)
        self.static["a"].copy_(a, non_blocking=True)
        self.static["b"].copy_(b, non_blocking=True)
        if plans is not None:
            for key, plan in zip(("plan_a", "plan_b"), plans):
                self.static[key].copy_(plan.pin_memory(), non_blocking=True)
        self.graph.replay()  # type: ignore[union-attr]
        # Outputs are overwritten by the next replay: hand out a copy (one small kernel).
        values = torch.stack(list(self.outputs.values())).clone()
        return dict(zip(self.outputs, values.unbind()))

    def _eager(self, a: torch.Tensor, b: torch.Tensor, plans) -> dict[str, torch.Tensor]:
        """One iteration without the graph, on a side stream (as capture will run it)."""
        trainer = self.trainer
        side = torch.cuda.Stream(trainer.device)
        side.wait_stream(torch.cuda.current_stream(trainer.device))
        with torch.cuda.stream(side):
            losses = trainer.maths(a, b, self._plans(plans, trainer.device))
        torch.cuda.current_stream(trainer.device).wait_stream(side)
        return losses

    def _capture(self, a: torch.Tensor, b: torch.Tensor, plans) -> None:
        trainer = self.trainer
        self.static = {"a": a.clone(), "b": b.clone()}
        if plans is not None:
            self.static["plan_a"], self.static["plan_b"] = (p.to(trainer.device) for p in plans)
        static_plans = (self.static["plan_a"], self.static["plan_b"]) if plans is not None else None
        trainer.opt_g.zero_grad(set_to_none=True)  # gradients are then allocated inside the graph's pool
        trainer.opt_d.zero_grad(set_to_none=True)
        torch.cuda.synchronize(trainer.device)
        graph = torch.cuda.CUDAGraph()
        # thread_local: the data loader's pin-memory thread may allocate while we capture.
        with torch.cuda.graph(graph, capture_error_mode="thread_local"):
            losses = trainer.maths(self.static["a"], self.static["b"], static_plans)
        self.outputs = losses
        self.graph = graph
