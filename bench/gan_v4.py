"""v4 of the training-throughput work (issue #6): measurements for one device call.

    python bench/gan_v4.py --parts micro check b1 profile1 gen --json out.json
    python bench/gan_v4.py --parts b16 profile16 --json out16.json

Device calls: bench/gan_device_call3.sh (both GPUs of an nvidia-h200-x2; see docs/benchmarks.md).

Parts:
  micro      the suspects in isolation, at the shapes of a merged batch-16 iteration (bf16,
             channels-last, CUDA events, median): bilinear x2 upsampling compiled, native vs
             slices (time and difference); attention forward+backward per SDPA backend
  check      whole-step CUDA graph vs eager: losses and weights after a few steps, against the
             spread of two eager runs (same seed and inputs)
  b1, b16    training rows: compiled, and compiled + whole-step CUDA graph; it/s, img/s,
             % of the measured bf16 peak
  upfwd      bilinear x2 forward only (no_grad, compiled), native vs slices
  gen        generation rows (256² batch 32 and the 4096² tiled print, compiled)
  profile1, profile16   top GPU kernels of a v4 iteration (compiled, not graphed, so the profiler
             sees every kernel) and the GPU-busy time per iteration
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.gan.benchmark import (
    OPTIMISED,
    bench_train,
    format_table,
    measure_bf16_peak,
    train_flops,
)
from generation.gan.options import ModelConfig, TrainConfig
from generation.gan.train import Trainer

DEVICE = torch.device("cuda")
V3 = {**OPTIMISED, "compile": True}
V4 = {**V3, "cuda_graph": True}


def cuda_median_ms(fn, warmup: int = 5, reps: int = 30) -> float:
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times)


def micro() -> list[dict]:
    from generation.gan.networks import upsample_bilinear_2x

    rows = []
    torch.backends.cudnn.benchmark = True
    # The decoder's two bilinear x2 stages at a merged batch-16 call of G_ba (48 images), compiled
    # as in training: the native op (decomposed by Inductor) against the slice formulation.
    for channels, side in ((256, 64), (128, 128)):
        x = torch.randn(48, channels, side, side, device=DEVICE, dtype=torch.bfloat16)
        x = x.contiguous(memory_format=torch.channels_last).requires_grad_(True)
        grad = torch.randn(48, channels, 2 * side, 2 * side, device=DEVICE, dtype=torch.bfloat16)
        outputs = {}
        for name, fn in (("native", lambda t: F.interpolate(torch.relu(t), scale_factor=2, mode="bilinear", align_corners=False)),
                         ("slices", lambda t: upsample_bilinear_2x(torch.relu(t)))):
            compiled = torch.compile(fn, dynamic=False)

            def fwd_bwd(compiled=compiled, x=x, grad=grad):
                y = compiled(x)
                y.backward(grad)
                return y

            outputs[name] = fwd_bwd().detach().float()
            ms = cuda_median_ms(fwd_bwd)
            moved = (x.numel() * 2 + grad.numel() * 2) * 2  # read x and grad, write y and dx, bf16
            rows.append({"part": "micro", "what": f"upsample x2 {channels}ch {side}² {name} (compiled fwd+bwd)",
                         "batch": 48, "fwd_bwd_ms": round(ms, 3), "min_bytes_GB": round(moved / 1e9, 2)})
            print(json.dumps(rows[-1]), flush=True)
        diff = float((outputs["native"] - outputs["slices"]).norm() / outputs["native"].norm())
        rows.append({"part": "micro", "what": f"upsample {channels}ch slices vs native, rel diff", "rel_diff": diff})
        print(json.dumps(rows[-1]), flush=True)
    from torch.nn.attention import SDPBackend, sdpa_kernel

    for n in (48, 3):
        q, k, v = (torch.randn(n, 8, 4096, 32, device=DEVICE, dtype=torch.bfloat16, requires_grad=True) for _ in range(3))
        for name, backend in (("flash", SDPBackend.FLASH_ATTENTION), ("cudnn", SDPBackend.CUDNN_ATTENTION),
                              ("efficient", SDPBackend.EFFICIENT_ATTENTION)):
            def attn(backend=backend, q=q, k=k, v=v):
                with sdpa_kernel([backend]):
                    out = F.scaled_dot_product_attention(q, k, v)
                out.sum().backward()

            try:
                ms = cuda_median_ms(attn)
            except Exception as error:  # noqa: BLE001
                rows.append({"part": "micro", "what": f"sdpa {name}", "batch": n, "error": str(error)[:120]})
                continue
            flops = 3.5 * 4 * n * 8 * 4096 * 4096 * 32  # forward 4·L²·d per head, backward 2.5x
            rows.append({"part": "micro", "what": f"sdpa fwd+bwd {name}", "batch": n, "fwd_bwd_ms": round(ms, 3),
                         "tflops": round(flops / ms / 1e9, 1)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def upsample_forward() -> list[dict]:
    """Forward only (inference, no_grad), compiled: native op vs slices, batch 32 (generation)."""
    from generation.gan.networks import upsample_bilinear_2x

    rows = []
    for channels, side in ((256, 64), (128, 128)):
        x = torch.randn(32, channels, side, side, device=DEVICE, dtype=torch.bfloat16).contiguous(memory_format=torch.channels_last)
        for name, fn in (("native", lambda t: F.interpolate(torch.relu(t), scale_factor=2, mode="bilinear", align_corners=False)),
                         ("slices", lambda t: upsample_bilinear_2x(torch.relu(t)))):
            compiled = torch.compile(fn, dynamic=False)
            with torch.no_grad():
                ms = cuda_median_ms(lambda compiled=compiled, x=x: compiled(x))
            rows.append({"part": "micro", "what": f"upsample x2 {channels}ch {side}² {name} (compiled forward, no_grad)",
                         "batch": 32, "fwd_ms": round(ms, 3)})
            print(json.dumps(rows[-1]), flush=True)
    return rows


def check() -> list[dict]:
    """Eager vs eager (noise) and eager vs whole-step graph after 6 steps, same seed and inputs."""
    torch.manual_seed(0)
    size, batch = 128, 2
    inputs = [(torch.rand(batch, 3, size, size, device=DEVICE) * 2 - 1, torch.rand(batch, 3, size, size, device=DEVICE) * 2 - 1)
              for _ in range(6)]
    results = {}
    for name, speed in (("eager1", OPTIMISED), ("eager2", OPTIMISED), ("graph", {**OPTIMISED, "cuda_graph": True})):
        cfg = TrainConfig(model=ModelConfig.variant("improved"), batch_size=batch, crop_size=size, device="cuda",
                          pool_size=3, **speed)
        trainer = Trainer(cfg)
        losses = [trainer.step(a, b) for a, b in inputs]
        torch.cuda.synchronize()
        results[name] = (losses, {k: v.float().clone() for k, v in trainer.nets["g_ab"].state_dict().items()},
                         getattr(trainer.graph, "failed", None), trainer.graph is not None and trainer.graph.graph is not None)
    rows = []
    for other in ("eager2", "graph"):
        loss_diff = max(abs(float(results["eager1"][0][-1][k]) - float(results[other][0][-1][k])) for k in results["eager1"][0][-1])
        num = sum(float((results["eager1"][1][k] - results[other][1][k]).norm() ** 2) for k in results["eager1"][1])
        den = sum(float(results["eager1"][1][k].norm() ** 2) for k in results["eager1"][1])
        rows.append({"part": "check", "what": f"eager vs {other}", "max_abs_loss_diff_step6": loss_diff,
                     "weights_rel_diff": (num / den) ** 0.5, "graph_failed": results[other][2],
                     "graph_captured": results[other][3],
                     "losses_step6": {k: round(float(v), 5) for k, v in results[other][0][-1].items()}})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def train_rows(batch: int, configs: list[tuple[str, dict, dict]], steps: int) -> list[dict]:
    rows, flops = [], {}
    for label, speed, model_kw in configs:
        model = ModelConfig.variant("improved", **model_kw)
        t0 = time.perf_counter()
        try:
            row = bench_train(label, model, speed, batch, 256, DEVICE, steps, warmup=8)
        except Exception as error:  # noqa: BLE001
            row = {"label": label, "batch": batch, "error": f"{type(error).__name__}: {error}"[:300]}
            torch.cuda.empty_cache()
        row["wall_s"] = round(time.perf_counter() - t0, 1)
        if "error" not in row:
            if batch not in flops:
                flops[batch] = train_flops(ModelConfig.variant("improved"), batch, 256, DEVICE)
            row["flops_per_iter"] = flops[batch]
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "speed"}, default=str), flush=True)
    return rows


def generation_rows() -> list[dict]:
    """The generation targets (256² batch 32, 4096² tiled print), compiled: the generator changed."""
    from generation.gan.benchmark import bench_generate, bench_tiled
    from generation.gan.flops import count_flops
    from generation.gan.networks import build_generator

    model = ModelConfig.variant("improved")
    rows = []
    for fn in (lambda: bench_generate("generate improved + compile", model, True, True, 32, 256, DEVICE, 10, 3),
               lambda: bench_tiled("print 4096² improved, tiles 512/64, compiled", model, 4096, 512, 64, 16, True, DEVICE, 3, 2)):
        try:
            row = fn()
        except Exception as error:  # noqa: BLE001
            row = {"label": "generation", "error": f"{type(error).__name__}: {error}"[:300]}
        if row.get("kind") == "generate":
            x = torch.zeros(32, 3, 256, 256, device=DEVICE)
            g = build_generator(model).to(DEVICE)
            with torch.no_grad(), torch.autocast("cuda", torch.bfloat16):
                row["flops_per_iter"] = count_flops(lambda g=g, x=x: g(x))
        rows.append(row)
        print(json.dumps(row, default=str), flush=True)
    return rows


def profile(batch: int, speed: dict, model_kw: dict, rows_shown: int = 30) -> dict:
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    torch.backends.cudnn.benchmark = True
    cfg = TrainConfig(model=ModelConfig.variant("improved", **model_kw), batch_size=batch, device="cuda", **speed)
    trainer = Trainer(cfg)
    x = torch.rand(batch, 3, 256, 256, device="cuda") * 2 - 1
    for _ in range(5):
        trainer.step(x, x)
    torch.cuda.synchronize()
    with torch_profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(3):
            trainer.step(x, x)
        torch.cuda.synchronize()
    averages = prof.key_averages()  # CUDA activity only: kernels, copies and memsets
    total_us = sum(e.self_device_time_total for e in averages)
    table = averages.table(sort_by="self_device_time_total", row_limit=rows_shown, max_name_column_width=80)
    print(f"== profile batch {batch} {speed} {model_kw}: GPU-busy {total_us / 3 / 1000:.1f} ms per iteration")
    print(table, flush=True)
    return {"part": f"profile{batch}", "gpu_busy_ms_per_iter": round(total_us / 3 / 1000, 2), "table": table,
            "kernel_names": len(averages)}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--parts", nargs="+", default=["micro", "check", "b1"])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--json")
    a = p.parse_args()
    peak = measure_bf16_peak(DEVICE)
    info = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "bf16_peak_tflops": round(peak, 1),
            "date": time.strftime("%Y-%m-%d %H:%M")}
    print(json.dumps(info), flush=True)
    out: dict = {"info": info, "rows": []}
    for part in a.parts:
        if part == "micro":
            out["rows"] += micro()
        elif part == "upfwd":
            out["rows"] += upsample_forward()
        elif part == "check":
            out["rows"] += check()
        elif part in ("b1", "b16"):
            out["rows"] += train_rows(int(part[1:]), [
                ("v4: upsampling from slices, compile", V3, {}),
                ("v4: + whole-step CUDA graph", V4, {}),
            ], a.steps)
        elif part == "gen":
            out["rows"] += generation_rows()
        elif part.startswith("profile"):
            batch = int(part[len("profile"):])
            out["rows"].append(profile(batch, V3, {}))
        if a.json:  # after every part, so a run cut short keeps what it measured
            Path(a.json).write_text(json.dumps(out, indent=2, default=str))
    train = [r for r in out["rows"] if "it_s" in r or ("error" in r and "label" in r)]
    if train:
        print("\n" + format_table(train, peak))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
