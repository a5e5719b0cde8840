"""v5 of the GAN throughput work (issue #6): compile modes, Inductor freezing, CUDA graphs for
generation, max-autotune for training, and the speed features' fallbacks on a real GPU.

    python bench/gan_v5.py --parts gen --json gen.json
    python bench/gan_v5.py --parts fallback b16 --json b16.json

Device calls: bench/gan_device_call5.sh (see docs/benchmarks.md, "v5").

Parts:
  gen       generation, improved model, 256², batch 32, bf16 + channels-last: the v4 setting
            (torch.compile default mode, cudnn.benchmark on) measured first and last, against
            cudnn.benchmark off, Inductor freezing, max-autotune(-no-cudagraphs), reduce-overhead and
            the v4 network captured by hand as one CUDA graph.  Each row also reports the relative
            difference of its output from the v4 output on the same input.
  b16, b1   training rows (--train-configs): v4 (compile + whole-step graph) and/or
            max-autotune-no-cudagraphs + whole-step graph.
  tiled     the 4096² tiled print, v4 against the v5 generation setting.
  fallback  a forced CUDA-graph capture failure and a forced compile failure in real trainers: the run
            must continue eagerly, report a fallback, and stay near an eager run of the same seed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.gan.benchmark import (
    OPTIMISED,
    bench_train,
    format_table,
    measure_bf16_peak,
    timed,
    train_flops,
)
from generation.gan.flops import count_flops
from generation.gan.infer import Stylizer
from generation.gan.networks import build_generator
from generation.gan.options import ModelConfig, TrainConfig
from generation.gan.train import Trainer

DEVICE = torch.device("cuda")
V4 = {**OPTIMISED, "compile": True, "cuda_graph": True}


def _print(row: dict) -> None:
    print(json.dumps(row, default=str), flush=True)


class GraphedForward:
    """A Stylizer's (compiled) network captured as one CUDA graph for one input shape."""

    def __init__(self, stylizer: Stylizer, example: torch.Tensor) -> None:
        self.stylizer = stylizer
        self.static = example.clone()
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                stylizer.forward(self.static)
        torch.cuda.current_stream().wait_stream(side)
        self.graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(self.graph):
            self.out = stylizer.forward(self.static)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        self.static.copy_(x)
        self.graph.replay()
        return self.out


def generation_rows(iters: int) -> list[dict]:
    model = ModelConfig.variant("improved")
    x = torch.rand(32, 3, 256, 256, device=DEVICE) * 2 - 1
    g = build_generator(model).to(DEVICE)
    with torch.no_grad(), torch.autocast("cuda", torch.bfloat16):
        flops = count_flops(lambda g=g: g(x))
    del g
    variants = [
        ("v4: compile default, cudnn.benchmark", "default", True, False, False),
        ("cudnn.benchmark off", "default", False, False, False),
        ("compile + Inductor freezing", "default", True, True, False),
        ("v4 + own CUDA graph", "default", True, False, True),
        ("reduce-overhead (Inductor CUDA graphs)", "reduce-overhead", True, False, False),
        ("max-autotune-no-cudagraphs", "max-autotune-no-cudagraphs", True, False, False),
        ("max-autotune-no-cudagraphs + freezing", "max-autotune-no-cudagraphs", True, True, False),
        ("max-autotune-no-cudagraphs + own CUDA graph", "max-autotune-no-cudagraphs", True, False, True),
        ("max-autotune (Inductor CUDA graphs)", "max-autotune", True, False, False),
        ("v4 again (drift check)", "default", True, False, False),
    ]
    rows, reference = [], None
    for label, mode, benchmark, freezing, own_graph in variants:
        torch._dynamo.reset()
        torch.manual_seed(0)
        t0 = time.perf_counter()
        row: dict = {"part": "gen", "label": label, "batch": 32, "size": 256, "mode": mode, "freezing": freezing}
        try:
            torch.backends.cudnn.benchmark = benchmark
            stylizer = Stylizer(build_generator(model), DEVICE, compile=True, compile_mode=mode)
            patch = torch._inductor.config.patch(freezing=True) if freezing else contextlib.nullcontext()
            with patch:
                fn = GraphedForward(stylizer, x) if own_graph else stylizer.forward
                out = fn(x).float().clone()  # compiles (and autotunes) here
                compile_s = time.perf_counter() - t0
                if "reduce-overhead" in mode or mode == "max-autotune":
                    torch.compiler.cudagraph_mark_step_begin()
                seconds = timed(lambda fn=fn: fn(x), DEVICE, warmup=5, iters=iters, windows=5)
            if reference is None:
                reference = out
            diff = float((out - reference).norm() / reference.norm())
            row.update(seconds_per_iter=seconds, it_s=1 / seconds, img_s=32 / seconds, compile_s=round(compile_s, 1),
                       rel_diff_vs_v4=diff, flops_per_iter=flops, peak_gib=torch.cuda.max_memory_allocated() / 2**30,
                       kind="generate")
        except Exception as error:  # noqa: BLE001 -- one failing variant must not lose the others
            row["error"] = f"{type(error).__name__}: {error}"[:300]
        finally:
            torch.backends.cudnn.benchmark = True
        row["wall_s"] = round(time.perf_counter() - t0, 1)
        rows.append(row)
        _print(row)
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    return rows


TRAIN_CONFIGS = {
    "v4": ("v4: compile + whole-step CUDA graph", V4),
    "autotune": ("max-autotune-no-cudagraphs + whole-step graph", {**V4, "compile_mode": "max-autotune-no-cudagraphs"}),
}


def tiled_rows() -> list[dict]:
    """The 4096² print (tiles 512, overlap 64, 16 tiles a batch): v4 setting against the v5 generation setting."""
    from generation.gan.benchmark import GENERATE_V5, bench_tiled

    rows = []
    for label, speed in (("print 4096², v4: compile", {}), ("print 4096², v5: max-autotune + CUDA graph", GENERATE_V5)):
        torch._dynamo.reset()
        t0 = time.perf_counter()
        try:
            row = bench_tiled(label, ModelConfig.variant("improved"), 4096, 512, 64, 16, True, DEVICE, 5, 2, **speed)
        except Exception as error:  # noqa: BLE001
            row = {"label": label, "error": f"{type(error).__name__}: {error}"[:300]}
        row["wall_s"], row["part"] = round(time.perf_counter() - t0, 1), "tiled"
        rows.append(row)
        _print(row)
    return rows


def train_rows(batch: int, steps: int, names: list[str]) -> list[dict]:
    rows, flops = [], None
    for label, speed in (TRAIN_CONFIGS[name] for name in names):
        torch._dynamo.reset()
        t0 = time.perf_counter()
        try:
            row = bench_train(label, ModelConfig.variant("improved"), speed, batch, 256, DEVICE, steps, warmup=8)
        except Exception as error:  # noqa: BLE001
            row = {"label": label, "batch": batch, "error": f"{type(error).__name__}: {error}"[:300]}
        row["wall_s"] = round(time.perf_counter() - t0, 1)
        if "error" not in row:
            flops = flops or train_flops(ModelConfig.variant("improved"), batch, 256, DEVICE)
            row["flops_per_iter"] = flops
        row["part"] = f"b{batch}"
        rows.append(row)
        _print({k: v for k, v in row.items() if k != "speed"})
        torch.cuda.empty_cache()
    return rows


def _small_trainer(**speed) -> Trainer:
    cfg = TrainConfig(model=ModelConfig.variant("improved", ngf=16, ndf=16, n_blocks=3), batch_size=2, crop_size=64,
                      device="cuda", pool_size=3, **{**OPTIMISED, **speed})
    return Trainer(cfg)


def fallback_rows() -> list[dict]:
    """Force the two failures the app must survive; compare with an eager run of the same seed."""
    torch.manual_seed(1)
    inputs = [(torch.rand(2, 3, 64, 64, device=DEVICE) * 2 - 1, torch.rand(2, 3, 64, 64, device=DEVICE) * 2 - 1)
              for _ in range(8)]

    def run(trainer: Trainer) -> tuple[dict, dict]:
        losses = [trainer.step(a, b) for a, b in inputs]
        torch.cuda.synchronize()
        return ({k: float(v) for k, v in losses[-1].items()},
                {k: v.float().clone() for k, v in trainer.nets["g_ab"].state_dict().items()})

    def compare(name: str, trainer: Trainer, result, eager) -> dict:
        num = sum(float((eager[1][k] - result[1][k]).norm() ** 2) for k in eager[1])
        den = sum(float(eager[1][k].norm() ** 2) for k in eager[1])
        row = {"part": "fallback", "what": name, "fallbacks": trainer.fallbacks_seen, "speed_now": trainer.speed(),
               "finite": all(math.isfinite(v) and abs(v) < 1e6 for v in result[0].values()),
               "max_abs_loss_diff_step8": max(abs(eager[0][k] - result[0][k]) for k in eager[0]),
               "weights_rel_diff": (num / den) ** 0.5}
        _print(row)
        return row

    rows = []
    eager = run(_small_trainer())
    eager2 = run(_small_trainer())
    rows.append(compare("eager vs eager (spread)", _small_trainer(), eager2, eager))
    plain_graph = _small_trainer(cuda_graph=True)
    rows.append(compare("whole-step graph, no failure (what the fallbacks should equal)", plain_graph, run(plain_graph), eager))

    # Capture failure: a host sync inside the step is legal eagerly and illegal while capturing.
    trainer = _small_trainer(cuda_graph=True)
    maths = trainer.maths

    def syncing_maths(a, b, plans):
        losses = maths(a, b, plans)
        if torch.cuda.is_current_stream_capturing():
            float(losses["cycle"])  # .item(): not allowed during capture
        return losses

    trainer.maths = syncing_maths
    try:
        rows.append(compare("forced capture failure -> eager", trainer, run(trainer), eager))
    except Exception as error:  # noqa: BLE001
        rows.append({"part": "fallback", "what": "forced capture failure", "error": f"{type(error).__name__}: {error}"[:300]})
        _print(rows[-1])

    # Compile failure in the discriminator's first call, after G's optimiser step: must roll back.
    torch._dynamo.reset()
    trainer = _small_trainer(compile=True, cuda_graph=True)
    compiled_d = trainer.run["d_a"]
    calls = {"n": 0}

    def failing_d(x):
        calls["n"] += 1
        if calls["n"] == 2:  # the trainable call, after opt_g.step()
            raise RuntimeError("simulated Inductor failure")
        return compiled_d(x)

    trainer.run["d_a"] = failing_d
    try:
        rows.append(compare("forced compile failure -> eager + graph", trainer, run(trainer), eager))
    except Exception as error:  # noqa: BLE001
        rows.append({"part": "fallback", "what": "forced compile failure", "error": f"{type(error).__name__}: {error}"[:300]})
        _print(rows[-1])
    return rows


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--parts", nargs="+", default=["gen"])
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--gen-iters", type=int, default=30)
    p.add_argument("--train-configs", nargs="+", default=["v4", "autotune"], choices=sorted(TRAIN_CONFIGS))
    p.add_argument("--json")
    a = p.parse_args()
    peak = measure_bf16_peak(DEVICE)
    info = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "bf16_peak_tflops": round(peak, 1),
            "date": time.strftime("%Y-%m-%d %H:%M")}
    _print(info)
    out: dict = {"info": info, "rows": []}
    for part in a.parts:
        if part == "gen":
            out["rows"] += generation_rows(a.gen_iters)
        elif part in ("b1", "b16"):
            out["rows"] += train_rows(int(part[1:]), a.steps, a.train_configs)
        elif part == "tiled":
            out["rows"] += tiled_rows()
        elif part == "fallback":
            out["rows"] += fallback_rows()
        if a.json:  # after every part, so a run cut short keeps what it measured
            Path(a.json).write_text(json.dumps(out, indent=2, default=str))
    table_rows = [r for r in out["rows"] if "it_s" in r or ("error" in r and "label" in r)]
    if table_rows:
        print("\n" + format_table(table_rows, peak))
    gen = [r for r in out["rows"] if r.get("part") == "gen" and "it_s" in r]
    for r in gen:
        print(f"gen | {r['label']} | {r['img_s']:.0f} img/s | {1000 * r['seconds_per_iter']:.2f} ms | "
              f"compile {r['compile_s']} s | rel diff {r['rel_diff_vs_v4']:.2e}")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
