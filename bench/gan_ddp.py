"""Data-parallel scaling: the same per-GPU training run on 1 and on N GPUs under torchrun.

    python bench/gan_ddp.py --data /tmp/data --gpus 2 --json out.json

Throughput is read from the training's own progress events (loader-fed, real
data), ignoring the first events (start-up and cuDNN autotuning).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path


def run(nproc: int, a: argparse.Namespace) -> dict:
    out = f"/tmp/ddp_{nproc}"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "-m", "generation.gan", "train", "--data-a", f"{a.data}/trainA", "--data-b", f"{a.data}/trainB",
           "--variant", "improved", "--batch-size", str(a.batch_size), "--iterations", str(a.iterations),
           "--decay-iterations", "0", "--out", out, "--checkpoint-every", "0", "--sample-every", "0",
           "--log-every", "10", "--workers", "6", "--json"] + (["--compile"] if a.compile else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=str(Path(__file__).resolve().parents[1]))
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{\"time\"")]
    rates = [e["images_per_second"] for e in events if e.get("event") == "progress"][a.skip:]
    if proc.returncode or not rates:
        return {"gpus": nproc, "error": proc.stderr[-2000:]}
    return {"gpus": nproc, "images_per_second": round(sum(rates) / len(rates), 1), "samples": len(rates),
            "per_gpu_batch": a.batch_size}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--gpus", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--iterations", type=int, default=150)
    p.add_argument("--skip", type=int, default=3, help="progress events to ignore at the start")
    p.add_argument("--compile", action="store_true")
    p.add_argument("--json")
    a = p.parse_args()
    rows = [run(1, a), run(a.gpus, a)]
    if all("images_per_second" in r for r in rows):
        eff = rows[1]["images_per_second"] / (a.gpus * rows[0]["images_per_second"])
        rows.append({"scaling_efficiency": round(eff, 3)})
    print(json.dumps(rows, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
