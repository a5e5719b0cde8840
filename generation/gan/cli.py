"""Command line: ``python -m generation.gan train|generate|evaluate|export|bench|info|synth|train-sr``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .options import VARIANTS, ModelConfig, TrainConfig


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--variant", choices=sorted(VARIANTS), default="improved")
    p.add_argument("--ngf", type=int, default=64)
    p.add_argument("--ndf", type=int, default=64)
    p.add_argument("--n-blocks", type=int, default=9)
    p.add_argument("--heads", type=int, default=8)


def _model_config(a: argparse.Namespace) -> ModelConfig:
    return ModelConfig.variant(a.variant, ngf=a.ngf, ndf=a.ndf, n_blocks=a.n_blocks, attention_heads=a.heads)


def cmd_train(a: argparse.Namespace) -> None:
    from .train import resume, train

    def show(event: dict[str, Any]) -> None:
        if a.json:
            print(json.dumps(event), flush=True)
        elif event["event"] == "progress":
            losses = " ".join(f"{k}={v:.3f}" for k, v in event["losses"].items())
            print(f"[{event['iteration']}/{event['total']}] {losses} {event['images_per_second']:.1f} img/s "
                  f"eta {event['eta_seconds']:.0f}s", flush=True)
        elif event["event"] in ("data", "checkpoint", "resumed", "end", "start"):
            print(json.dumps(event), flush=True)

    if a.resume and a.resume != "latest" and not a.data_a:
        result = resume(a.resume, on_event=show)
    else:
        cfg = TrainConfig(
            data_a=a.data_a, data_b=a.data_b, load_size=a.load_size, crop_size=a.crop_size, model=_model_config(a),
            batch_size=a.batch_size, lr=a.lr, iterations=a.iterations, decay_iterations=a.decay_iterations,
            seed=a.seed, device=a.device, precision=a.precision, channels_last=not a.no_channels_last,
            compile=a.compile, compile_mode=a.compile_mode, cuda_graph=a.cuda_graph, num_workers=a.workers, out_dir=a.out,
            checkpoint_every=a.checkpoint_every, sample_every=a.sample_every, log_every=a.log_every,
            lambda_cyc=a.lambda_cyc, lambda_idt=a.lambda_idt, pool_size=a.pool_size,
        )
        result = train(cfg, on_event=show, resume=a.resume)
    print(json.dumps({"result": result.as_dict()}), flush=True)


def cmd_generate(a: argparse.Namespace) -> None:

    from .data import load_rgb
    from .infer import Stylizer

    stylizer = Stylizer.from_checkpoint(a.model, a.device, direction=a.direction, tile=a.tile, overlap=a.overlap)
    magnifier = None
    if a.magnify:
        from .sr import Magnifier

        magnifier = Magnifier.from_checkpoint(a.magnify, a.device)
    paths = [Path(p) for p in a.paths]
    if len(paths) == 2 and not a.out_dir and paths[1].suffix.lower() in (".png", ".jpg", ".jpeg", ".webp"):
        jobs = [(paths[0], paths[1])]
    else:
        out_dir = Path(a.out_dir or "stylized")
        jobs = [(p, out_dir / (p.stem + ".png")) for p in paths]
    for source, target in jobs:
        out_size: Any = None
        if a.size:
            out_size = a.size
        image = stylizer.stylize(load_rgb(source), out_size=out_size)
        if magnifier is not None:
            image = magnifier.magnify(image)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target)
        print(json.dumps({"input": str(source), "output": str(target), "size": list(image.size)}), flush=True)


def cmd_evaluate(a: argparse.Namespace) -> None:
    from .evaluate import evaluate

    result = evaluate(a.model, a.photos, real_b=a.real_b, size=a.size, device=a.device,
                      inception_weights=a.inception_weights, lpips_backbone_weights=a.lpips_backbone_weights,
                      limit=a.limit)
    print(json.dumps(result, indent=2))


def cmd_export(a: argparse.Namespace) -> None:
    import torch

    from .export import export_onnx, onnx_parity
    from .infer import load_generator

    generator, _cfg, _meta = load_generator(a.model, a.direction)
    path = export_onnx(generator, a.output, size=a.size, dynamic=not a.static)
    report: dict[str, Any] = {"onnx": path}
    if a.check:
        report["parity"] = onnx_parity(path, generator, torch.rand(1, 3, a.size, a.size) * 2 - 1)
    print(json.dumps(report))


def cmd_info(a: argparse.Namespace) -> None:
    from .flops import model_info

    info = model_info(_model_config(a), a.size)
    if a.json:
        print(json.dumps(info, indent=2))
        return
    for part in ("generator", "discriminator"):
        print(f"{part}: {info[part]['parameters'] / 1e6:.3f} M parameters, "
              f"{info[part]['forward_flops'] / 1e9:.2f} GFLOP forward at {a.size}x{a.size}")


def cmd_synth(a: argparse.Namespace) -> None:
    from .synthetic import build_dataset

    manifest = build_dataset(a.out, size=a.size, b_train=a.b_train, b_test=a.b_test,
                             crops_per_train_photo=a.crops_train, crops_per_test_photo=a.crops_test,
                             seed=a.seed, workers=a.workers)
    print(json.dumps(manifest["counts"]))


def cmd_train_sr(a: argparse.Namespace) -> None:
    from .data import load_rgb, scan_images
    from .sr import compare_methods, save_magnifier, train_magnifier

    train_images = [load_rgb(p) for p in scan_images(a.train).paths[: a.limit]]
    test_images = [load_rgb(p) for p in scan_images(a.test).paths[: a.limit]]
    net = train_magnifier(train_images, scale=a.scale, iterations=a.iterations, patch=a.patch,
                          batch_size=a.batch_size, device=a.device,
                          on_event=lambda e: print(json.dumps(e), flush=True))
    table = compare_methods(net, test_images, a.device)
    save_magnifier(net, a.output, meta={"scale": a.scale, "iterations": a.iterations, "comparison": table,
                                        "command": " ".join(sys.argv)})
    print(json.dumps({"output": a.output, "comparison": table}, indent=2))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generation.gan", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("train", help="train a CycleGAN on two image folders")
    p.add_argument("--data-a", default="", help="domain A folder (photos)")
    p.add_argument("--data-b", default="", help="domain B folder (paper-cuts)")
    _model_args(p)
    p.add_argument("--out", default="runs/gan")
    p.add_argument("--load-size", type=int, default=286)
    p.add_argument("--crop-size", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--iterations", type=int, default=1000)
    p.add_argument("--decay-iterations", type=int, default=1000)
    p.add_argument("--lambda-cyc", type=float, default=10.0)
    p.add_argument("--lambda-idt", type=float, default=0.5)
    p.add_argument("--pool-size", type=int, default=50)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="auto")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="bf16")
    p.add_argument("--no-channels-last", action="store_true")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--compile-mode", default="default")
    p.add_argument("--cuda-graph", action="store_true",
                   help="capture the whole iteration as one CUDA graph (CUDA, one process; with --compile: v4 speed)")
    p.add_argument("--workers", type=int, default=4)
    p.add_argument("--checkpoint-every", type=int, default=500)
    p.add_argument("--sample-every", type=int, default=500)
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--resume", help="checkpoint path, or 'latest' (newest in --out)")
    p.add_argument("--json", action="store_true", help="print every event as a JSON line")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("generate", help="stylize images: generate --model M in.jpg out.png")
    p.add_argument("--model", required=True, help="generator weights or training checkpoint")
    p.add_argument("paths", nargs="+", help="input images (and, for one input, the output file)")
    p.add_argument("--out-dir")
    p.add_argument("--size", type=int, help="long side of the output in pixels (default: input size)")
    p.add_argument("--direction", choices=["ab", "ba"], default="ab")
    p.add_argument("--magnify", help="magnifier weights: enlarge the stylized image x2/x4")
    p.add_argument("--tile", type=int)
    p.add_argument("--overlap", type=int)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("evaluate", help="SSIM/PSNR vs the reference stylizer, cycle; FID/KID/LPIPS with weights")
    p.add_argument("--model", required=True)
    p.add_argument("--photos", required=True, help="held-out photos (testA)")
    p.add_argument("--real-b", help="real paper-cuts (testB) for FID/KID")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--limit", type=int)
    p.add_argument("--device", default="auto")
    p.add_argument("--inception-weights")
    p.add_argument("--lpips-backbone-weights")
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("export", help="ONNX export (+ onnxruntime parity with --check)")
    p.add_argument("--model", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--direction", choices=["ab", "ba"], default="ab")
    p.add_argument("--static", action="store_true", help="fixed input size instead of dynamic batch/height/width")
    p.add_argument("--check", action="store_true")
    p.set_defaults(func=cmd_export)

    sub.add_parser("bench", help="throughput benchmark (see --help)", add_help=False).set_defaults(func=None)

    p = sub.add_parser("info", help="parameter counts and forward FLOPs")
    _model_args(p)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("synth", help="build the synthetic photo / paper-cut data set")
    p.add_argument("--out", required=True)
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--b-train", type=int, default=1000)
    p.add_argument("--b-test", type=int, default=100)
    p.add_argument("--crops-train", type=int, default=80)
    p.add_argument("--crops-test", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=8)
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("train-sr", help="train the x2/x4 magnifier on style-domain images")
    p.add_argument("--train", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--scale", type=int, choices=[2, 4], default=2)
    p.add_argument("--iterations", type=int, default=2000)
    p.add_argument("--patch", type=int, default=96)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--limit", type=int)
    p.add_argument("--device", default="auto")
    p.set_defaults(func=cmd_train_sr)
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:  # the benchmark has its own parser
        from .benchmark import main as bench_main

        bench_main(argv[1:])
        return
    args = build_parser().parse_args(argv)
    args.func(args)
