#!/usr/bin/env bash
# Device call 5 (issue #6, v5), on nvidia-h200-x2 (one GPU: the parts run one after the other).
#   GPU 0: the real `python -m generation.gan train` loop with --compile --cuda-graph on procedural data,
#          killed (SIGKILL) mid-run and resumed with --resume latest to the end; then the forced
#          fallbacks (bench/gan_v5.py --parts fallback) and the batch-16 training rows (v4 vs max-autotune).
#   GPU 1: generation at 256² batch 32: v4 against compile modes, freezing and CUDA graphs.
# Files back (at most 8): gpu0.log, gpu1.log, gpu0.json, gen.json, events.jsonl, sample.png.
source "$(dirname "$0")/device_common.sh"
gpu0() {
  CUDA_VISIBLE_DEVICES=0 OUT=$OUT timeout ${LOOP_TIMEOUT:-330} bash bench/gan_loop_check.sh
  echo "loop exit $?"
  CUDA_VISIBLE_DEVICES=0 timeout ${B16_TIMEOUT:-300} python3 bench/gan_v5.py --parts ${GPU0_PARTS:-fallback b16} --json "$OUT/gpu0.json"
  echo "gpu0 bench exit $?"
}
gpu1() {
  CUDA_VISIBLE_DEVICES=$G1 timeout ${GEN_TIMEOUT:-540} python3 bench/gan_v5.py --parts ${GPU1_PARTS:-gen} --json "$OUT/gen.json"
  echo "gpu1 bench exit $?"
}
run_on_both_gpus
grep -E "^(process|resumed|checkpoints|samples|fallbacks|end|first run|resumed run|loop exit|gpu0 bench|unreadable)" "$OUT/gpu0.log" | cut -c1-700
grep -E '"part": "fallback"' "$OUT/gpu0.log" | cut -c1-600
grep -E "^\| |^gen \|" "$OUT/gpu0.log" "$OUT/gpu1.log" | cut -c1-220
grep -E '"error"|Traceback|Error' "$OUT/gpu0.log" "$OUT/gpu1.log" | head -12 | cut -c1-400
