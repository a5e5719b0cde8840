"""History of generated images for the discriminators (Shrivastava et al. 2017).

Each query returns, per image, either the new image or (with probability 1/2,
once the pool is full) a stored older one, which is then replaced by the new
image.  The pool owns its random generator so that a checkpoint restores it
exactly and it does not disturb the global RNG.

The decisions depend only on that generator and on how full the pool is, never
on the images, so they are made on the host (``plan``) and applied on the device
with fixed-shape gathers and one scatter (``apply``): no device synchronisation,
and the same kernels every iteration, so a whole training step can be captured
as a CUDA graph with the plan as a small input tensor.  The stored images live in
one preallocated buffer of ``size + batch`` rows; the extra rows are scratch
targets for images that are not stored, so every scatter has unique indices.
"""

from __future__ import annotations

from typing import Any

import torch

# Rows of a plan tensor (shape 4 x batch, int64).
TAKE_STORED, STORED_ROW, NEW_ROW, WRITE_ROW = range(4)


class ImagePool:
    def __init__(self, size: int = 50, seed: int = 0) -> None:
        self.size = size
        self.count = 0  # stored images (rows 0..count-1 of the buffer)
        self.buffer: torch.Tensor | None = None
        self.generator = torch.Generator().manual_seed(seed)

    # ------------------------------------------------------------------ host decisions

    def plan(self, n: int) -> torch.Tensor:
        """Decide, for a batch of ``n`` new images, what to return and what to store (4 x n, CPU int64).

        Column i: TAKE_STORED = 1 if image i is answered with a stored image, STORED_ROW = that
        buffer row, NEW_ROW = which new image answers otherwise (a stored image that an earlier
        image of this batch replaced is that new image), WRITE_ROW = where image i is stored
        (a scratch row >= size when it is not).  Same random draws as the classic per-image loop.
        """
        plan = torch.zeros(4, n, dtype=torch.int64)
        written: dict[int, int] = {}  # buffer row -> index of the new image written there in this batch
        for i in range(n):
            plan[NEW_ROW, i] = i
            plan[WRITE_ROW, i] = self.size + i
            if self.count < self.size:
                plan[WRITE_ROW, i] = self.count
                written[self.count] = i
                self.count += 1
            elif torch.rand((), generator=self.generator).item() > 0.5:
                row = int(torch.randint(0, self.size, (), generator=self.generator).item())
                if row in written:  # replaced earlier in this batch: answer with that new image
                    plan[NEW_ROW, i] = written[row]
                    plan[WRITE_ROW, written[row]] = self.size + written[row]
                else:
                    plan[TAKE_STORED, i], plan[STORED_ROW, i] = 1, row
                plan[WRITE_ROW, i] = row
                written[row] = i
        return plan

    # ------------------------------------------------------------------ device work

    def ensure_buffer(self, images: torch.Tensor) -> torch.Tensor:
        rows = self.size + images.shape[0]
        buffer = self.buffer
        if buffer is None or buffer.shape[0] < rows or buffer.shape[1:] != images.shape[1:] \
                or buffer.dtype != images.dtype or buffer.device != images.device:
            new = torch.zeros((rows, *images.shape[1:]), dtype=images.dtype, device=images.device)
            if buffer is not None and self.count:
                new[: self.count] = buffer[: self.count].to(new)
            self.buffer = buffer = new
        return buffer

    def apply(self, images: torch.Tensor, plan: torch.Tensor) -> torch.Tensor:
        """Answer ``images`` according to ``plan`` (on the images' device) and store them."""
        images = images.detach()
        buffer = self.ensure_buffer(images)
        take = plan[TAKE_STORED].bool().view(-1, *([1] * (images.dim() - 1)))
        answer = torch.where(take, buffer.index_select(0, plan[STORED_ROW]), images.index_select(0, plan[NEW_ROW]))
        buffer.index_copy_(0, plan[WRITE_ROW], images)
        return answer

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        plan = self.plan(images.shape[0])
        if images.device.type == "cuda":  # pinned + non-blocking: no wait for the GPU
            plan = plan.pin_memory().to(images.device, non_blocking=True)
        return self.apply(images, plan)

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict[str, Any]:
        stored = [] if self.buffer is None else [self.buffer[i : i + 1].cpu() for i in range(self.count)]
        return {"size": self.size, "images": stored, "generator": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any], device: torch.device | str = "cpu") -> None:
        self.size = state["size"]
        images = [image.to(device) for image in state["images"]]
        self.count = len(images)
        self.buffer = None
        if images:
            self.buffer = torch.zeros((self.size + images[0].shape[0], *images[0].shape[1:]),
                                      dtype=images[0].dtype, device=device)
            self.buffer[: self.count] = torch.cat(images)
        self.generator.set_state(state["generator"].cpu())  # a CPU generator takes a CPU byte tensor
