"""Train the bundled demo models on the project's synthetic data and package them.

    python bench/gan_demo.py --data /tmp/data --work /tmp/demo --pack out.tar

1. improved CycleGAN, photos -> paper-cut (ngf 32 so the bf16 generator stays ~6 MB);
2. magnifiers x2 and x4 on paper-cuts, compared with nearest/bilinear/bicubic;
3. evaluation on the held-out photos (SSIM/PSNR vs the reference stylizer, cycle);
4. a tar of the inference weights, metadata JSON, sample grid and event log.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from generation.gan.data import load_rgb, scan_images
from generation.gan.evaluate import evaluate
from generation.gan.infer import load_generator, save_generator
from generation.gan.options import ModelConfig, TrainConfig
from generation.gan.sr import compare_methods, save_magnifier, train_magnifier
from generation.gan.train import train


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--pack", required=True)
    p.add_argument("--iterations", type=int, default=2500)
    p.add_argument("--decay-iterations", type=int, default=2500)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--ngf", type=int, default=32)
    p.add_argument("--minutes", type=float, default=5.0, help="stop the GAN early (checkpointed) after this long")
    p.add_argument("--sr-iterations", type=int, default=1500)
    p.add_argument("--compile", action="store_true")
    a = p.parse_args()
    data, work = Path(a.data), Path(a.work)
    pretrained = work / "pretrained"
    pretrained.mkdir(parents=True, exist_ok=True)
    command = "python " + " ".join(shlex.quote(x) for x in sys.argv)

    cfg = TrainConfig(
        data_a=str(data / "trainA"), data_b=str(data / "trainB"), load_size=286, crop_size=256,
        model=ModelConfig.variant("improved", ngf=a.ngf, ndf=64), batch_size=a.batch_size,
        iterations=a.iterations, decay_iterations=a.decay_iterations, num_workers=8, out_dir=str(work / "run"),
        checkpoint_every=1000, sample_every=1000, log_every=50, compile=a.compile,
    )
    deadline = time.time() + 60 * a.minutes
    log = []

    def on_event(event: dict) -> None:
        if event["event"] in ("progress", "start", "end", "data"):
            log.append(event)
            print(json.dumps(event), flush=True)

    result = train(cfg, on_event=on_event, should_stop=lambda: time.time() > deadline)
    generator, model_cfg, _ = load_generator(result.checkpoint, "ab")
    scores = evaluate(result.checkpoint, data / "testA", real_b=data / "testB", size=256)
    print(json.dumps({"evaluation": scores}), flush=True)

    sr_train = [load_rgb(x) for x in scan_images(data / "trainB").paths[:1000]]
    sr_test = [load_rgb(x).crop((0, 0, 256, 256)) for x in scan_images(data / "testB").paths]
    magnifiers = {}
    for scale in (2, 4):
        started = time.time()
        net = train_magnifier(sr_train, scale=scale, iterations=a.sr_iterations, patch=128, batch_size=32,
                              on_event=lambda e: print(json.dumps(e), flush=True))
        table = compare_methods(net, sr_test)
        magnifiers[f"x{scale}"] = {"comparison": table, "iterations": a.sr_iterations,
                                   "seconds": round(time.time() - started, 1)}
        save_magnifier(net, pretrained / f"magnifier_x{scale}.pt", meta=magnifiers[f"x{scale}"])
        print(json.dumps({"magnifier": scale, "comparison": table}), flush=True)

    meta = {
        "command": command,
        "train_config": cfg.to_dict(),
        "iterations_done": result.iterations,
        "status": result.status,
        "train_seconds": result.seconds,
        "images_per_second": result.images_per_second,
        "final_losses": result.losses,
        "evaluation_testA": scores,
        "magnifiers": magnifiers,
        "data": json.loads((data / "manifest.json").read_text()),
        "weights_dtype": "bfloat16",
    }
    save_generator(generator, model_cfg, pretrained / "papercut_demo_g_ab.pt", quantize_int8=True, meta={k: meta[k] for k in ("command", "iterations_done", "evaluation_testA")})
    (pretrained / "papercut_demo.json").write_text(json.dumps(meta, indent=2))
    samples = sorted((work / "run" / "samples").glob("*.png"))
    with tarfile.open(a.pack, "w") as tar:
        for path in pretrained.iterdir():
            tar.add(path, arcname=f"pretrained/{path.name}")
        if samples:
            tar.add(samples[-1], arcname="samples_last.png")
        tar.add(work / "run" / "events.jsonl", arcname="events.jsonl")
    print(json.dumps({"packed": a.pack, "iterations": result.iterations, "status": result.status}), flush=True)


if __name__ == "__main__":
    main()
