"""Ablation: baseline / +attention / +bilinear / both, same data, same budget, one table.

    python bench/gan_ablation.py --data /tmp/data --gpus 0 1 --json out.json --markdown out.md

Each variant trains in its own process (variants are spread over the listed
GPUs, one at a time per GPU) for the same number of iterations, batch and crop
size, then is evaluated on the held-out photos: SSIM/PSNR of G(x) against the
reference stylizer T(x) and of the cycle F(G(x)) against x.  FID/KID/LPIPS are
filled in only when weight files are given (see generation/gan/evaluate.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

VARIANT_ORDER = ["baseline", "attention", "bilinear", "improved"]
LABELS = {"baseline": "CycleGAN (baseline)", "attention": "+ self-attention", "bilinear": "+ bilinear upsampling",
          "improved": "+ both (improved)"}


def run_variant(a: argparse.Namespace) -> None:
    from generation.gan.evaluate import evaluate
    from generation.gan.networks import build_generator, count_parameters
    from generation.gan.options import ModelConfig, TrainConfig
    from generation.gan.train import train

    data = Path(a.data)
    model = ModelConfig.variant(a.variant, ngf=a.ngf)
    cfg = TrainConfig(
        data_a=str(data / "trainA"), data_b=str(data / "trainB"), load_size=a.load_size, crop_size=a.crop_size,
        model=model, batch_size=a.batch_size, iterations=a.iterations, decay_iterations=a.decay_iterations,
        num_workers=6, out_dir=str(Path(a.work) / a.variant), checkpoint_every=0, sample_every=0, log_every=100,
        seed=a.seed, compile=a.compile,
    )
    result = train(cfg)
    scores = evaluate(result.checkpoint, data / "testA", real_b=data / "testB", size=a.eval_size,
                      inception_weights=a.inception_weights, lpips_backbone_weights=a.lpips_backbone_weights)
    row = {"variant": a.variant, "parameters": count_parameters(build_generator(model)), "train": result.as_dict(),
           "evaluation": scores, "budget": {"iterations": cfg.total_iterations, "batch_size": a.batch_size,
                                            "crop_size": a.crop_size, "ngf": a.ngf}}
    Path(a.row_json).write_text(json.dumps(row, indent=2))


def markdown(rows: list[dict], header: str) -> str:
    def dist(row: dict, key: str) -> str:
        d = row["evaluation"]["distribution"]
        return "skipped" if "skipped" in d else f"{d.get(key, d.get(key.replace('fid', 'fd_custom').replace('kid', 'kd_custom'))):.4g}"

    def lp(row: dict) -> str:
        d = row["evaluation"]["lpips_vs_reference"]
        return "skipped" if "skipped" in d else f"{d['lpips']:.4f}±{d['lpips_std']:.4f}"

    lines = [header, "",
             "| Model | G params | FID ↓ | KID ↓ | SSIM vs T ↑ | PSNR vs T ↑ | LPIPS vs T ↓ | cycle SSIM ↑ | cycle PSNR ↑ | train img/s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for row in rows:
        ref, cyc = row["evaluation"]["vs_reference"], row["evaluation"]["cycle"]
        lines.append(
            f"| {LABELS[row['variant']]} | {row['parameters'] / 1e6:.3f} M | {dist(row, 'fid')} | {dist(row, 'kid')} | "
            f"{ref['ssim']:.4f}±{ref['ssim_std']:.4f} | {ref['psnr']:.3f}±{ref['psnr_std']:.3f} | {lp(row)} | "
            f"{cyc['ssim']:.4f} | {cyc['psnr']:.3f} | {row['train']['images_per_second']:.1f} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--work", default="/tmp/ablation")
    p.add_argument("--gpus", nargs="+", default=["0"])
    p.add_argument("--concurrent", action="store_true", help="run all variants at once (GPUs shared round-robin)")
    p.add_argument("--variants", nargs="+", default=VARIANT_ORDER)
    p.add_argument("--iterations", type=int, default=1500)
    p.add_argument("--decay-iterations", type=int, default=1500)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--crop-size", type=int, default=128)
    p.add_argument("--load-size", type=int, default=143)
    p.add_argument("--eval-size", type=int, default=256)
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--compile", action="store_true")
    p.add_argument("--inception-weights")
    p.add_argument("--lpips-backbone-weights")
    p.add_argument("--json")
    p.add_argument("--markdown")
    p.add_argument("--card", default="")
    # internal: run one variant
    p.add_argument("--variant")
    p.add_argument("--row-json")
    a = p.parse_args()
    if a.variant:
        run_variant(a)
        return

    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    queues: dict[str, list[str]] = {}
    for i, variant in enumerate(a.variants):
        gpu = a.gpus[i % len(a.gpus)]
        key = f"{gpu}/{variant}" if a.concurrent else gpu  # one process queue per key
        queues.setdefault(key, []).append(variant)
    started = time.time()
    passthrough = [f"--{k.replace('_', '-')}={v}" for k, v in vars(a).items()
                   if v is not None and k not in ("gpus", "variants", "json", "markdown", "variant", "row_json", "compile", "concurrent")]
    passthrough += ["--compile"] if a.compile else []
    running = []
    for gpu, variants in queues.items():
        script = " && ".join(
            " ".join([sys.executable, __file__, *[f"'{s}'" for s in passthrough], "--variant", v,
                      "--row-json", str(work / f"{v}.json"), ">", str(work / f"{v}.log"), "2>&1"])
            for v in variants)
        env = {**os.environ, "CUDA_VISIBLE_DEVICES": gpu.split("/")[0]}
        running.append(subprocess.Popen(script, shell=True, env=env))
    codes = [proc.wait() for proc in running]
    rows = [json.loads((work / f"{v}.json").read_text()) for v in a.variants if (work / f"{v}.json").exists()]
    budget = rows[0]["budget"] if rows else {}
    header = (f"Ablation, {time.strftime('%Y-%m-%d')}, {a.card or 'device'}: each variant trained "
              f"{budget.get('iterations')} iterations (half constant, half linear decay), batch {budget.get('batch_size')}, "
              f"{budget.get('crop_size')} px crops, ngf {budget.get('ngf')}, seed {a.seed}, on the synthetic data; "
              f"evaluated on {rows[0]['evaluation']['images'] if rows else '?'} held-out photo crops at {a.eval_size} px. "
              f"Wall time {time.time() - started:.0f} s" + (", all variants concurrently (GPUs shared, so img/s are under sharing)." if a.concurrent else "."))
    table = markdown(rows, header)
    print(table, flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps({"rows": rows, "exit_codes": codes, "table": table}, indent=2))
    if a.markdown:
        Path(a.markdown).write_text(table + "\n")
    for v in a.variants:
        if not (work / f"{v}.json").exists():
            print(f"variant {v} failed; see {work / (v + '.log')}:\n" + (work / f"{v}.log").read_text()[-3000:])


if __name__ == "__main__":
    main()
