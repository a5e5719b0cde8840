#!/usr/bin/env bash
# The real training loop end to end (issue #6, v5): procedural data, `python -m generation.gan train`
# with TRAIN_FLAGS (default --compile --cuda-graph), SIGKILL once progress event KILL_AT is written,
# `--resume latest` to the end; then a summary of the events (it/s per process, checkpoints, samples,
# fallbacks).  Used by bench/gan_device_call5.sh; CPU smoke test:
#   TRAIN_FLAGS= MODEL_FLAGS="--ngf 8 --ndf 8 --n-blocks 1" CROP=32 ITERS=30 KILL_AT=35 EVERY=5 LOG=5 \
#     PY=.venv/bin/python OUT=/tmp/loopout bash bench/gan_loop_check.sh
set -u
PY=${PY:-python3}; OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
ITERS=${ITERS:-300}; KILL_AT=${KILL_AT:-350}; EVERY=${EVERY:-150}; LOG=${LOG:-25}; CROP=${CROP:-256}
TRAIN_FLAGS=${TRAIN_FLAGS---compile --cuda-graph}; MODEL_FLAGS=${MODEL_FLAGS:-}
data=${DATA:-/tmp/gdata}; run=${RUN:-/tmp/run1}
rm -rf "$run"
[ -d "$data/trainB" ] || $PY -m generation.gan synth --out "$data" --size 286 --b-train 60 --b-test 4 \
  --crops-train 10 --crops-test 2 --workers ${SYNTH_WORKERS:-12}
common="--data-a $data/trainA --data-b $data/trainB --out $run --crop-size $CROP --load-size $((CROP * 286 / 256))
  --batch-size 1 --iterations $ITERS --decay-iterations $ITERS $TRAIN_FLAGS $MODEL_FLAGS --checkpoint-every $EVERY
  --sample-every $EVERY --log-every $LOG --workers 4 --json"
echo "== loop: first run, SIGKILL after progress $KILL_AT"; date -u +%T
setsid $PY -m generation.gan train $common &
pid=$!
for _ in $(seq 1 3000); do
  grep -q "\"event\": \"progress\", \"iteration\": $KILL_AT," "$run/events.jsonl" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
kill -9 -- -$pid; wait $pid; echo "first run exit $? (137 = killed)"; date -u +%T
ls "$run"
echo "== loop: resumed"
$PY -m generation.gan train $common --resume latest; echo "resumed run exit $?"; date -u +%T
ls "$run" "$run/samples"
cp "$run/events.jsonl" "$OUT/events.jsonl"
cp "$(ls "$run"/samples/*.png | tail -1)" "$OUT/sample.png"
$PY - "$run/events.jsonl" <<'EOF'
import json, statistics, sys
events = []
for line in open(sys.argv[1]):
    try:
        events.append(json.loads(line))
    except ValueError:
        print("unreadable event line (cut by the kill):", line[:80])
starts = [i for i, e in enumerate(events) if e["event"] == "start"]
for n, s in enumerate(starts):
    end = starts[n + 1] if n + 1 < len(starts) else len(events)
    part = events[s:end]
    prog = [e for e in part if e["event"] == "progress"]
    rates = [e["iterations_per_second"] for e in prog[1:]]
    first = round(prog[0]["time"] - events[s]["time"], 1) if prog else "n/a"
    print(f"process {n}: from iteration {events[s]['iteration']}, speed {events[s].get('speed')}; start -> first "
          f"progress {first} s; median it/s after the first window {statistics.median(rates) if rates else 'n/a'} "
          f"(windows {rates}); events {sorted({e['event'] for e in part})}")
print("resumed", [(e["iteration"], e["checkpoint"].rsplit("/", 1)[-1]) for e in events if e["event"] == "resumed"])
print("checkpoints", [e["iteration"] for e in events if e["event"] == "checkpoint"])
print("samples", [e["iteration"] for e in events if e["event"] == "sample"])
print("fallbacks", [e for e in events if e["event"] == "fallback"])
print("end", [e for e in events if e["event"] == "end"][-1:])
EOF
