#!/usr/bin/env bash
# Device call 3 (issues #6 and #7), on nvidia-h200-x2 (falls back to one GPU, run one after the other):
#   GPU 0: v4 micro-benchmarks, graph-vs-eager check, batch-1 rows, batch-1 kernel profile
#   GPU 1: the generation service end to end (bench/generation_service.py), then batch-16 rows and profile.
# The service needs the web stack, which the device image lacks: wheels for Python 3.12 are carried in .whl/
# (see docs/benchmarks.md, "Generation service") and installed with pip --target /tmp/site. To rebuild .whl/ here:
#   echo /.whl/ >> .git/info/exclude; .venv/bin/pip freeze > /tmp/freeze.txt, keep the web/queue packages the device
#   image lacks (Django, DRF, drf-spectacular[-sidecar], django-filter/-environ/-celery-beat/-celery-results/
#   -timezone-field, dj-database-url, whitenoise, gunicorn, psycopg[-binary], celery, kombu, billiard, vine, amqp,
#   click-*, SQLAlchemy, greenlet, google-api-python-client and its google-* deps, httplib2, uritemplate, plotly,
#   reportlab, krippendorff, cryptography, cffi, pycparser, pytz, tzdata, tzlocal, sqlparse, asgiref, wcwidth,
#   prompt_toolkit, python-crontab, cron-descriptor, inflection, proto-plus, pyasn1), then
#   python3 -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
#     --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl -r list
#   and drop googleapiclient/discovery_cache/documents/* except youtube.v3.json and plotly's labextension and
#   widgetbundle .js files from those two wheels (64 MiB carry limit).
# Run as: SERVICE=1 (default) carries .whl; SERVICE=0 B1_PARTS=... B16_PARTS=... for GAN-only calls.
set -u
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
nvidia-smi -L; nproc; date -u
python3 -c 'import torch, triton; print("torch", torch.__version__, "cuda", torch.version.cuda, "gpus", torch.cuda.device_count(), "triton", triton.__version__)'
python3 -m pip list 2>/dev/null | grep -i -E "^(django|celery|kombu|gunicorn|sqlalchemy|requests|scikit-image|pillow) " || true
[ "${SERVICE:-1}" = 1 ] && python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl > "$OUT/pip.log" 2>&1
echo "pip exit $?"
NGPU=$(python3 -c 'import torch; print(torch.cuda.device_count())')
S=$([ "$NGPU" -ge 2 ] && echo 1 || echo 0)
service_then_b16() {
  if [ "${SERVICE:-1}" = 1 ]; then
    CUDA_VISIBLE_DEVICES=$S PYTHONPATH=/tmp/site timeout "${SERVICE_TIMEOUT:-200}" python3 bench/generation_service.py \
      --repeat 5 --big-repeat 2 --concurrent 16 --json "$OUT/service.json" --logs /tmp/svclogs > "$OUT/service.log" 2>&1
    echo "service exit $?"
    tail -c 3000 /tmp/svclogs/worker.log > "$OUT/service_worker_tail.log" 2>/dev/null
  fi
  CUDA_VISIBLE_DEVICES=$S timeout "${B16_TIMEOUT:-330}" python3 bench/gan_v4.py --parts ${B16_PARTS:-b16 profile16} \
    --json "$OUT/b16.json" > "$OUT/b16.log" 2>&1
  echo "b16 exit $?"
}
gpu0() {
  CUDA_VISIBLE_DEVICES=0 timeout "${B1_TIMEOUT:-480}" python3 bench/gan_v4.py --parts ${B1_PARTS:-micro check b1 profile1 gen} \
    --json "$OUT/b1.json" > "$OUT/b1.log" 2>&1
  echo "b1 exit $?"
}
if [ "$S" = 1 ]; then service_then_b16 & P=$!; gpu0; wait $P; else service_then_b16; gpu0; fi
cat "$OUT/service.json" 2>/dev/null || tail -20 "$OUT/service.log"
grep -E '^\{"part": "(micro|check)|"kind": "(generate|tiled)"' "$OUT/b1.log" | cut -c1-400
grep -E "GPU-busy|^\| " "$OUT/b1.log" "$OUT/b16.log" | cut -c1-220
grep -E "Error|error" "$OUT/b1.log" "$OUT/b16.log" | grep -v '^.*"label"' | head -8 | cut -c1-300
