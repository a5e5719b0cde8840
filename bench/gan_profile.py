"""Where a training iteration spends GPU time: top kernels by CUDA time (torch.profiler).

    python bench/gan_profile.py --batch 16 [--compile]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.gan.benchmark import OPTIMISED
from generation.gan.options import ModelConfig, TrainConfig
from generation.gan.train import Trainer


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--variant", default="improved")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--rows", type=int, default=25)
    a = p.parse_args()
    torch.backends.cudnn.benchmark = True
    cfg = TrainConfig(model=ModelConfig.variant(a.variant), batch_size=a.batch, device="cuda",
                      **{**OPTIMISED, "compile": a.compile})
    trainer = Trainer(cfg)
    x = torch.rand(a.batch, 3, 256, 256, device="cuda") * 2 - 1
    for _ in range(4):
        trainer.step(x, x)
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(2):
            trainer.step(x, x)
        torch.cuda.synchronize()
    print(f"== {a.variant} batch {a.batch} compile={a.compile}")
    print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=a.rows, max_name_column_width=90))


if __name__ == "__main__":
    main()
