"""Throughput benchmark: reference CycleGAN and ours in one run, one table.

Rows time training iterations and generation on synthetic tensors (so the
data loader is not measured here; the demo training run reports loader-fed
throughput).  Each row reports iterations/s, images/s, peak GPU memory and
FLOP utilisation: FLOPs of one iteration counted with
``torch.utils.flop_counter`` times iterations/s, as a percentage of the card's
bf16 matrix-multiply peak measured in the same process.

The *reference* is the baseline variant trained the way the original CycleGAN
code runs it: float32 (convolutions in TF32, PyTorch's default), NCHW, six
separate generator calls and four discriminator calls per iteration,
non-fused Adam, no compilation.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch

from .flops import count_flops
from .infer import Stylizer
from .networks import build_generator
from .options import ModelConfig, TrainConfig
from .train import Trainer

REFERENCE = {"precision": "fp32", "channels_last": False, "merge_forwards": False, "fused_adam": False, "compile": False}
STRAIGHTFORWARD = {"precision": "bf16", "channels_last": False, "merge_forwards": False, "fused_adam": False,
                   "compile": False}
OPTIMISED = {"precision": "bf16", "channels_last": True, "merge_forwards": True, "fused_adam": True, "compile": False}
# Generation (v5, docs/benchmarks.md): Inductor's autotuned Triton templates for the convolutions it
# can take, and the compiled network replayed as one CUDA graph per batch shape.
GENERATE_V5 = {"compile_mode": "max-autotune-no-cudagraphs", "cuda_graph": True}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn: Callable[[], Any], device: torch.device, warmup: int, iters: int, windows: int = 3,
          window_s: float = 2.0) -> float:
    """Median seconds per call over ``windows`` timing windows after warm-up.

    A window has at most ``iters`` calls, fewer for slow calls (about ``window_s`` seconds each).
    """
    for _ in range(warmup):
        fn()
    _sync(device)
    start = time.perf_counter()
    fn()
    _sync(device)
    one = time.perf_counter() - start
    iters = max(2, min(iters, int(window_s / max(one, 1e-6))))
    samples = []
    for _ in range(windows):
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        _sync(device)
        samples.append((time.perf_counter() - start) / iters)
    return statistics.median(samples)


def measure_bf16_peak(device: torch.device, n: int = 8192) -> float:
    """TFLOP/s of a large bf16 matrix product on random data (the card's practical peak)."""
    if device.type != "cuda":
        return float("nan")
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    seconds = timed(lambda: a @ b, device, warmup=3, iters=10)
    return 2 * n**3 / seconds / 1e12


@contextlib.contextmanager
def _cudnn_benchmark(flag: bool):
    old = torch.backends.cudnn.benchmark
    torch.backends.cudnn.benchmark = flag
    try:
        yield
    finally:
        torch.backends.cudnn.benchmark = old


def _reset_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def _peak_gib(device: torch.device) -> float:
    return torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else float("nan")


def bench_train(label: str, model: ModelConfig, speed: dict[str, Any], batch: int, size: int,
                device: torch.device, steps: int, warmup: int) -> dict[str, Any]:
    cfg = TrainConfig(model=model, batch_size=batch, crop_size=size, device=str(device), **speed)
    torch.manual_seed(0)
    batches = [(torch.rand(batch, 3, size, size, device=device) * 2 - 1, torch.rand(batch, 3, size, size, device=device) * 2 - 1)
               for _ in range(4)]
    _reset_memory(device)
    with _cudnn_benchmark(speed["precision"] == "bf16"):
        trainer = Trainer(cfg, device=device)
        state = {"i": 0}

        def one() -> None:
            a, b = batches[state["i"] % len(batches)]
            state["i"] += 1
            trainer.step(a, b)

        seconds = timed(one, device, warmup, steps)
    return {"kind": "train", "label": label, "batch": batch, "size": size, "seconds_per_iter": seconds,
            "it_s": 1 / seconds, "img_s": batch / seconds, "peak_gib": _peak_gib(device),
            "variant": model.variant_name, "speed": speed}


def train_flops(model: ModelConfig, batch: int, size: int, device: torch.device) -> int:
    """FLOPs of one training iteration (the same maths for every speed setting)."""
    cfg = TrainConfig(model=model, batch_size=batch, crop_size=size, device=str(device), **OPTIMISED)
    trainer = Trainer(cfg, device=device)
    a = torch.rand(batch, 3, size, size, device=device) * 2 - 1
    return count_flops(lambda: trainer.step(a, a))


def _fp32_output(model: ModelConfig, x: torch.Tensor) -> torch.Tensor:
    """The generator (seed 0, as in ``bench_generate``) in float32 without TF32: the accuracy reference."""
    torch.manual_seed(0)
    generator = build_generator(model).to(x.device).eval()
    tf32 = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        with torch.no_grad():
            return generator(x).float()
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = tf32


def bench_generate(label: str, model: ModelConfig, bf16: bool, compile: bool, batch: int, size: int,
                   device: torch.device, iters: int, warmup: int, compile_mode: str = "default",
                   cuda_graph: bool = False, check_fp32: bool = False) -> dict[str, Any]:
    """Generation throughput; with ``check_fp32`` also ‖out − ref‖/‖ref‖ against the float32 network."""
    torch.manual_seed(0)
    generator = build_generator(model)
    stylizer = Stylizer(generator, device, compile=compile, compile_mode=compile_mode, cuda_graph=cuda_graph)
    if not bf16:  # the reference runs float32 NCHW
        stylizer.amp_dtype, stylizer.memory_format = None, torch.contiguous_format
        stylizer.generator.to(memory_format=torch.contiguous_format)
    x = torch.rand(batch, 3, size, size, device=device) * 2 - 1
    _reset_memory(device)
    with _cudnn_benchmark(bf16):
        seconds = timed(lambda: stylizer.forward(x), device, warmup, iters)
        out = stylizer.forward(x)
    row = {"kind": "generate", "label": label, "batch": batch, "size": size, "seconds_per_iter": seconds,
           "it_s": 1 / seconds, "img_s": batch / seconds, "peak_gib": _peak_gib(device), "variant": model.variant_name}
    if check_fp32:
        ref = _fp32_output(model, x)
        row["rel_err_vs_fp32"] = float((out - ref).norm() / ref.norm())
    return row


def bench_tiled(label: str, model: ModelConfig, size: int, tile: int, overlap: int, batch: int, compile: bool,
                device: torch.device, iters: int, warmup: int, **speed: Any) -> dict[str, Any]:
    torch.manual_seed(0)
    stylizer = Stylizer(build_generator(model), device, tile=tile, overlap=overlap, batch=batch,
                        max_whole_pixels=tile * tile, compile=compile, **speed)
    x = torch.rand(1, 3, size, size, device=device) * 2 - 1
    _reset_memory(device)
    with _cudnn_benchmark(True):
        seconds = timed(lambda: stylizer.stylize_tensor(x), device, warmup, iters, windows=3)
    return {"kind": "tiled", "label": label, "batch": 1, "size": size, "seconds_per_iter": seconds,
            "it_s": 1 / seconds, "img_s": 1 / seconds, "peak_gib": _peak_gib(device), "variant": model.variant_name,
            "tile": tile, "overlap": overlap}


def format_table(rows: list[dict[str, Any]], peak_tflops: float) -> str:
    head = "| row | batch | size | it/s | img/s | ms/iter | peak mem GiB | TFLOP/s | % bf16 peak |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['label']} | {r.get('batch', '')} | {r.get('size', '')} | failed: {r['error'][:60]} | | | | | |")
            continue
        tflops = r.get("flops_per_iter", 0) * r["it_s"] / 1e12 if r.get("flops_per_iter") else math.nan
        util = 100 * tflops / peak_tflops if not (math.isnan(peak_tflops) or math.isnan(tflops)) else math.nan
        lines.append(f"| {r['label']} | {r['batch']} | {r['size']} | {r['it_s']:.2f} | {r['img_s']:.1f} | "
                     f"{1000 * r['seconds_per_iter']:.1f} | {r['peak_gib']:.2f} | {tflops:.1f} | {util:.1f} |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    device = torch.device(args.device if args.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu"))
    quick = device.type == "cpu" or args.quick
    size = args.size if not quick else 32
    big, print_size = (1024, 4096) if not quick else (64, 128)
    model_kw: dict[str, Any] = {"ngf": 8, "ndf": 8, "n_blocks": 2} if quick else {}
    improved = ModelConfig.variant("improved", **model_kw)
    # The reference is the original code's layer set, nn.ReflectionPad2d included.
    baseline = ModelConfig.variant("baseline", pad_impl="native", **model_kw)
    steps, warmup = (2, 1) if quick else (args.steps, args.warmup)
    peak = measure_bf16_peak(device)
    info = {"device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "torch": torch.__version__, "bf16_peak_tflops": peak, "date": time.strftime("%Y-%m-%d")}
    print(json.dumps(info), flush=True)
    compiled = {**OPTIMISED, "compile": True}
    graphs = {**OPTIMISED, "compile": True, "compile_mode": "reduce-overhead"}
    whole_step = {**OPTIMISED, "compile": True, "cuda_graph": True}  # v4: the whole iteration as one CUDA graph
    plan: list[tuple[str, Callable[[], dict[str, Any]]]] = []
    # Order: cheap eager rows first, then generation (the targets), then rows that compile for minutes,
    # so a spent time budget loses the least.
    for batch in args.batches:
        plan += [
            (f"train reference fp32 b{batch}", lambda b=batch: bench_train("reference CycleGAN fp32", baseline, REFERENCE, b, size, device, steps, warmup)),
            (f"train reference bf16 b{batch}", lambda b=batch: bench_train("reference CycleGAN bf16", baseline, STRAIGHTFORWARD, b, size, device, steps, warmup)),
            (f"train improved straightforward b{batch}", lambda b=batch: bench_train("improved, straightforward bf16", improved, STRAIGHTFORWARD, b, size, device, steps, warmup)),
            (f"train improved optimised b{batch}", lambda b=batch: bench_train("improved, bf16+NHWC+merged+fused", improved, OPTIMISED, b, size, device, steps, warmup)),
        ]
    gen_iters = 2 if quick else 30  # 30 batches a window: about 0.5 s each at 256², batch 32
    plan += [
        ("generate reference fp32 b32", lambda: bench_generate("generate reference fp32", baseline, False, False, 32, size, device, gen_iters, 2)),
        ("generate improved bf16 b32", lambda: bench_generate("generate improved bf16+NHWC", improved, True, False, 32, size, device, gen_iters, 2)),
        ("generate reference fp32 1024", lambda: bench_generate("generate reference fp32", baseline, False, False, 1, big, device, gen_iters, 2)),
        ("generate improved bf16 1024", lambda: bench_generate("generate improved bf16+NHWC", improved, True, False, 1, big, device, gen_iters, 2)),
    ]
    if not args.no_compile:
        plan.append(("generate improved compiled b32", lambda: bench_generate(
            "generate improved + compile (v4)", improved, True, True, 32, size, device, gen_iters, 3, check_fp32=True)))
        if not quick:
            plan.append(("generate improved v5 b32", lambda: bench_generate(
                "generate improved, v5: max-autotune + CUDA graph", improved, True, True, 32, size, device, gen_iters, 3,
                check_fp32=True, **GENERATE_V5)))
    tile, overlap = (512, 64) if not quick else (64, 16)
    # v5 for the print too: 267 vs 276 ms against v4 in one call (docs/benchmarks.md).
    tiled_speed = GENERATE_V5 if not (args.no_compile or quick) else {}
    plan.append(("tiled improved 4096", lambda: bench_tiled(f"print improved, tiles {tile}/{overlap}", improved, print_size, tile, overlap, 16,
                                                           not args.no_compile and not quick, device, 3, 2, **tiled_speed)))
    if not args.no_compile:
        for batch in sorted(args.batches, reverse=True):
            plan.append((f"train improved compiled b{batch}", lambda b=batch: bench_train("improved, optimised + compile", improved, compiled, b, size, device, steps, warmup + 2)))
            if not quick:
                plan.append((f"train improved whole-step graph b{batch}", lambda b=batch: bench_train(
                    "improved, compile + whole-step CUDA graph", improved, whole_step, b, size, device, steps, warmup + 5)))
    if args.cuda_graphs and not quick and 1 in args.batches:
        plan.append(("train improved graphs b1", lambda: bench_train("improved, compile + CUDA graphs", improved, graphs, 1, size, device, steps, warmup + 3)))
    flop_cache: dict[tuple[str, int, int], int] = {}
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for name, fn in plan:
        if args.only and not any(key in name for key in args.only):
            continue
        if time.perf_counter() - started > args.budget_s:
            rows.append({"label": name, "error": "skipped: benchmark time budget spent"})
            continue
        t0 = time.perf_counter()
        try:
            row = fn()
        except Exception as error:  # noqa: BLE001 -- one failing row (an OOM, a compile error) must not lose the others
            row = {"label": name, "error": f"{type(error).__name__}: {error}"}
            if device.type == "cuda":
                torch.cuda.empty_cache()
        row["wall_s"] = round(time.perf_counter() - t0, 1)
        if "error" not in row:
            model = improved if row["variant"] == "improved" else baseline
            key = (row["kind"], row["variant"], row["batch"], row["size"])
            if key not in flop_cache:
                if row["kind"] == "train":
                    flop_cache[key] = train_flops(model, row["batch"], row["size"], device)
                elif row["kind"] == "generate":
                    x = torch.zeros(row["batch"], 3, row["size"], row["size"], device=device)
                    g = build_generator(model).to(device)
                    with torch.no_grad(), torch.autocast(device.type, torch.bfloat16, enabled=device.type == "cuda"):
                        flop_cache[key] = count_flops(lambda g=g, x=x: g(x))
            row["flops_per_iter"] = flop_cache.get(key)
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "speed"}, default=str), flush=True)
    table = format_table(rows, peak)
    print(f"\n{info['device']}, torch {info['torch']}, bf16 peak {peak:.0f} TFLOP/s, {info['date']}\n{table}", flush=True)
    result = {"info": info, "rows": rows, "table": table}
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(result, handle, indent=2, default=str)
    return result


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="CycleGAN throughput: reference vs improved")
    p.add_argument("--device", default="auto")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--batches", type=int, nargs="+", default=[1, 16])
    p.add_argument("--steps", type=int, default=20, help="timed iterations per window (3 windows)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--no-compile", action="store_true")
    p.add_argument("--cuda-graphs", action="store_true",
                   help="also try torch.compile mode='reduce-overhead' at batch 1 (the whole-step graph rows always run)")
    p.add_argument("--only", nargs="*", help="run only rows whose name contains one of these")
    p.add_argument("--budget-s", type=float, default=480)
    p.add_argument("--quick", action="store_true", help="tiny model and sizes (CPU smoke test)")
    p.add_argument("--json", help="write rows and table here")
    return p


def main(argv: list[str] | None = None) -> None:
    run(parser().parse_args(argv))
