# Shared by the device-call scripts (bench/gan_device_call5.sh ...): `source` it, define gpu0 and gpu1,
# then call run_on_both_gpus. NVLink multicast stays off (see the device tool's KINDS.md).
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
START=$(date +%s); LIMIT=${LIMIT:-575}
left() { echo $((LIMIT - ($(date +%s) - START))); }  # seconds left of this call's budget
nvidia-smi -L; nproc; date -u; uptime
python3 -c 'import torch, triton; print("torch", torch.__version__, "cuda", torch.version.cuda, "gpus", torch.cuda.device_count(), "triton", triton.__version__)'
NGPU=$(python3 -c 'import torch; print(torch.cuda.device_count())')
G1=$([ "$NGPU" -ge 2 ] && echo 1 || echo 0)  # the second GPU, or the first again on a one-GPU kind

# gpu0 and gpu1 side by side on a two-GPU kind, one after the other on one GPU; logs in $OUT.
run_on_both_gpus() {
  if [ "$G1" = 1 ]; then gpu1 > "$OUT/gpu1.log" 2>&1 & local P=$!; gpu0 > "$OUT/gpu0.log" 2>&1; wait $P
  else gpu0 > "$OUT/gpu0.log" 2>&1; gpu1 > "$OUT/gpu1.log" 2>&1; fi
  date -u
}
