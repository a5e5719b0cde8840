#!/usr/bin/env bash
# Device call 7 (issue #6, v5), on nvidia-h200-x2 (see docs/benchmarks.md "v5"):
#   GPU 0: the real training loop at batch 16 with the app's default of 2 loader workers, --compile
#          --cuda-graph: does the loader keep up?  img/s from the run's progress events.
#   GPU 1: generation again (bench --only: v4 and v5 rows at 256², batch 32), then the 4096² print, v4 vs v5.
LIMIT=${LIMIT:-330}; source "$(dirname "$0")/device_common.sh"
gpu0() {
  python3 -m generation.gan synth --out /tmp/gdata --size 286 --b-train 60 --b-test 4 --crops-train 10 --crops-test 2 --workers 12
  CUDA_VISIBLE_DEVICES=0 timeout $(left) python3 -m generation.gan train --data-a /tmp/gdata/trainA --data-b /tmp/gdata/trainB \
    --out /tmp/run16 --batch-size 16 --iterations 100 --decay-iterations 100 --compile --cuda-graph --workers 2 \
    --log-every 10 --checkpoint-every 0 --sample-every 100 --json
  echo "b16 loop exit $?"
  python3 - /tmp/run16/events.jsonl <<'EOF'
import json, statistics, sys
events = [json.loads(line) for line in open(sys.argv[1])]
start = next(e for e in events if e["event"] == "start")
prog = [e for e in events if e["event"] == "progress"]
rates = [e["images_per_second"] for e in prog[1:]]
print(f"b16 loop: start -> first progress {prog[0]['time'] - start['time']:.1f} s; median img/s after the first window "
      f"{statistics.median(rates)} (windows {rates}); end {[e for e in events if e['event'] == 'end']}")
EOF
}
gpu1() {
  CUDA_VISIBLE_DEVICES=$G1 timeout 200 python3 -m generation.gan bench --only "generate improved compiled" "generate improved v5" --json "$OUT/bench_gen.json"
  echo "bench generate exit $?"
  CUDA_VISIBLE_DEVICES=$G1 timeout $(left) python3 bench/gan_v5.py --parts tiled --json "$OUT/tiled.json"
  echo "tiled exit $?"
}
run_on_both_gpus
grep -E "^(b16 loop|bench gen|tiled exit)" "$OUT/gpu0.log" "$OUT/gpu1.log" | cut -c1-900
grep -E '^\| |"part": "tiled"' "$OUT/gpu1.log" | cut -c1-330
grep -E '"error"|Traceback|Error' "$OUT/gpu0.log" "$OUT/gpu1.log" | grep -v "triton configs" | head -8 | cut -c1-300
