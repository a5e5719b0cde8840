"""Losses of CycleGAN: least-squares adversarial, cycle and identity L1."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def lsgan_loss(prediction: torch.Tensor, target_is_real: bool) -> torch.Tensor:
    """Least-squares GAN loss: mean (D(x) - 1)^2 for real targets, D(x)^2 for fake.

    Computed in float32 so bf16 discriminator outputs do not lose the loss' precision.
    """
    prediction = prediction.float()
    target = torch.ones_like(prediction) if target_is_real else torch.zeros_like(prediction)
    return F.mse_loss(prediction, target)


def l1_loss(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean absolute error in float32 (cycle and identity losses)."""
    return F.l1_loss(output.float(), target.float())


def discriminator_loss(pred_real: torch.Tensor, pred_fake: torch.Tensor) -> torch.Tensor:
    """CycleGAN halves the discriminator's loss to slow it down relative to G."""
    return 0.5 * (lsgan_loss(pred_real, True) + lsgan_loss(pred_fake, False))
