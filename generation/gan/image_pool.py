"""History of generated images for the discriminators (Shrivastava et al. 2017).

Each query returns, per image, either the new image or (with probability 1/2,
once the pool is full) a stored older one, which is then replaced by the new
image.  The pool owns its random generator so that a checkpoint restores it
exactly and it does not disturb the global RNG.
"""

from __future__ import annotations

from typing import Any

import torch


class ImagePool:
    def __init__(self, size: int = 50, seed: int = 0) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []
        self.generator = torch.Generator().manual_seed(seed)

    def query(self, images: torch.Tensor) -> torch.Tensor:
        if self.size == 0:
            return images
        images = images.detach()
        returned = []
        for image in images.split(1):
            if len(self.images) < self.size:
                self.images.append(image.clone())
                returned.append(image)
            elif torch.rand((), generator=self.generator).item() > 0.5:
                index = int(torch.randint(0, self.size, (), generator=self.generator).item())
                returned.append(self.images[index].clone())
                self.images[index] = image.clone()
            else:
                returned.append(image)
        return torch.cat(returned, 0)

    def state_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "images": [image.cpu() for image in self.images],
            "generator": self.generator.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any], device: torch.device | str = "cpu") -> None:
        self.size = state["size"]
        self.images = [image.to(device) for image in state["images"]]
        self.generator.set_state(state["generator"])
