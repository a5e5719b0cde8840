#!/usr/bin/env bash
# Device call 6 (issue #6, v5), on nvidia-h200-x2 (see docs/benchmarks.md "v5"):
#   GPU 0: the real training loop with --compile --cuda-graph, SIGKILL mid-run, --resume latest
#          (bench/gan_loop_check.sh), the forced fallbacks, then the v4 batch-16 training row.
#   GPU 1: `python -m generation.gan bench --only generate` (reference, v4 and v5 generation rows, each
#          improved row with its error against the float32 network), then batch-16 training with
#          max-autotune-no-cudagraphs + whole-step graph.
# Files back: gpu0.log, gpu1.log, gpu0.json, b16_autotune.json, bench_gen.json, events.jsonl, sample.png.
source "$(dirname "$0")/device_common.sh"
gpu0() {
  CUDA_VISIBLE_DEVICES=0 OUT=$OUT timeout ${LOOP_TIMEOUT:-380} bash bench/gan_loop_check.sh
  echo "loop exit $?"; date -u +%T
  CUDA_VISIBLE_DEVICES=0 timeout $(left) python3 bench/gan_v5.py --parts fallback b16 --train-configs v4 --json "$OUT/gpu0.json"
  echo "gpu0 bench exit $?"
}
gpu1() {
  CUDA_VISIBLE_DEVICES=$G1 timeout ${GEN_TIMEOUT:-280} python3 -m generation.gan bench --only generate --json "$OUT/bench_gen.json"
  echo "bench generate exit $?"; date -u +%T
  CUDA_VISIBLE_DEVICES=$G1 timeout $(left) python3 bench/gan_v5.py --parts b16 --train-configs autotune --json "$OUT/b16_autotune.json"
  echo "b16 autotune exit $?"
}
run_on_both_gpus
grep -E "^(process|resumed|checkpoints|samples|fallbacks|end|first run|resumed run|loop exit|gpu0 bench|b16 auto|bench gen|unreadable)" "$OUT/gpu0.log" "$OUT/gpu1.log" | cut -c1-600
grep -E '"part": "fallback"' "$OUT/gpu0.log" | cut -c1-400
grep -E '^\| |rel_err' "$OUT/gpu0.log" "$OUT/gpu1.log" | cut -c1-330
grep -E '"error"|Traceback|Error' "$OUT/gpu0.log" "$OUT/gpu1.log" | grep -v "triton configs" | head -10 | cut -c1-400
