#!/usr/bin/env bash
# Device call 1 (2 GPUs): throughput benchmark on GPU 0 while the demo models train on GPU 1.
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi -L; nproc
python3 -c 'import torch, torchmetrics, skimage, onnxruntime; print(torch.__version__, torch.version.cuda, torch.cuda.device_count(), torchmetrics.__version__, skimage.__version__)'
time python3 -m generation.gan synth --out /tmp/data --size 286 --b-train 2000 --b-test 100 --workers 24 > "$OUT/synth.log" 2>&1
tail -2 "$OUT/synth.log"
CUDA_VISIBLE_DEVICES=1 python3 bench/gan_demo.py --data /tmp/data --work /tmp/demo --pack "$OUT/demo.tar" \
  --minutes "${DEMO_MINUTES:-4.5}" > "$OUT/demo.log" 2>&1 &
DEMO=$!
CUDA_VISIBLE_DEVICES=0 python3 bench/gan_throughput.py --cuda-graphs --budget-s "${BENCH_BUDGET:-430}" \
  --json "$OUT/bench.json" ${BENCH_ARGS:-} > "$OUT/bench.log" 2>&1
echo "bench exit $?"
wait $DEMO; echo "demo exit $?"
grep -E '"evaluation"|"magnifier"|packed' "$OUT/demo.log" | cut -c1-1500
tail -25 "$OUT/bench.log"
