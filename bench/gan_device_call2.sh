#!/usr/bin/env bash
# Device call 2 (2 GPUs): ablation (variants spread over both GPUs), DDP scaling, kernel profile.
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi -L
python3 -m generation.gan synth --out /tmp/data --size 286 --b-train 2000 --b-test 100 --workers 24 > "$OUT/synth.log" 2>&1
CARD=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
python3 bench/gan_ablation.py --data /tmp/data --gpus 0 1 --concurrent --iterations "${ABL_IT:-600}" --decay-iterations "${ABL_IT:-600}" \
  --card "1x $CARD per variant" --json "$OUT/ablation.json" --markdown "$OUT/ablation.md" > "$OUT/ablation.log" 2>&1
echo "ablation exit $?"; cat "$OUT/ablation.md"
python3 bench/gan_ddp.py --data /tmp/data --gpus 2 --iterations "${DDP_IT:-50}" --json "$OUT/ddp.json" > "$OUT/ddp.log" 2>&1
echo "ddp exit $?"; cat "$OUT/ddp.json"
python3 bench/gan_profile.py --batch 16 --compile > "$OUT/profile.log" 2>&1 &
P1=$!
CUDA_VISIBLE_DEVICES=1 python3 bench/gan_profile.py --batch 16 >> "$OUT/profile_eager.log" 2>&1
wait $P1
cat "$OUT/profile.log" "$OUT/profile_eager.log" | grep -v "^W1128" | cut -c1-200
