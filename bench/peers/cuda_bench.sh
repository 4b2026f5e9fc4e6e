#!/usr/bin/env bash
# CUDA benchmarks on the GPU host, from the repository root with bundle/ present (built by
# native/bundle/build.sh; no JDK needed there). Writes JSON lines to OUT_DIR/bench.jsonl (OUT_DIR
# defaults to $OUT, else bench-out), everything else, JVM crash reports included, to
# OUT_DIR/bench.log, and the table of the goals against PyTorch to OUT_DIR/goals.md:
#   - groklab's kernels (bundle/bin/cuda-bench, one JVM per part so that a kernel fault in one
#     part leaves the others): sgemm 1024/2048/4096 fp32 and TF32, copy GB/s, attention and
#     cross-entropy at the grokking shapes, walkers at 1e8, nanda training steps (1 and 64
#     models, eager and CUDA-graph replayed); the full nanda grok's wall time (`groklab grok`);
#   - the PyTorch peers: nanda_torch.py --device cuda, torch.matmul, a vectorized Brownian
#     walker, then the torch.compile'd variants (slowest to start, so last).
# Every part runs under its own time limit inside one budget (BENCH_BUDGET seconds, default 250,
# so that `timeout 270` around the script never cuts a part short); a part that fails or runs
# out of time leaves an error line and the next part runs.
#   bench/peers/cuda_bench.sh [OUT_DIR] [--quick]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ -x "$root/bin/cuda-bench" ] && bundle="$root" || bundle="$root/bundle"   # also runs from inside bundle/
peers="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${OUT:-bench-out}}"
quick=""
[ "${2:-}" = "--quick" ] && quick="--quick"
budget="${BENCH_BUDGET:-250}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
jsonl="$out/bench.jsonl"
log="$out/bench.log"
py="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1
# A JVM crash report, if any, lands in the output folder (then in bench.log), not the working directory.
export GROKLAB_JAVA_OPTS="${GROKLAB_JAVA_OPTS:-} -XX:ErrorFile=$out/hs_err_bench_%p.log"

# run NAME CAP_SECONDS SIGNAL COMMAND...: JSON lines to bench.jsonl, the rest to bench.log. On
# time-out the command gets SIGNAL (QUIT makes a JVM print its threads to the log), then KILL.
run() {
  local name="$1" cap="$2" sig="$3"; shift 3
  local left=$((budget - SECONDS)) limit t0=$SECONDS rc
  limit=$((cap < left ? cap : left))
  if [ "$limit" -lt 5 ]; then
    echo "== $name: skipped (budget of ${budget}s spent)" | tee -a "$log"
    echo "{\"bench\": \"$name\", \"error\": \"skipped: the ${budget}s budget was spent\"}" >> "$jsonl"
    return
  fi
  echo "== $name (at most ${limit}s)" | tee -a "$log"
  # Only JSON objects reach bench.jsonl; anything else on stdout (a JVM's fatal-error banner,
  # a peer's stray print) goes to the log.
  timeout -s "$sig" -k 10 "$limit" "$@" > "$out/.part.out" 2>> "$log"
  rc=$?
  grep '^{' "$out/.part.out" >> "$jsonl"
  grep -v '^{' "$out/.part.out" >> "$log"
  rm -f "$out/.part.out"
  case $rc in
    0) ;;
    124|137) echo "{\"bench\": \"$name\", \"error\": \"timed out after ${limit}s (see bench.log)\"}" >> "$jsonl" ;;
    *) echo "{\"bench\": \"$name\", \"error\": \"exit $rc (see bench.log)\"}" >> "$jsonl" ;;
  esac
  echo "== $name: exit $rc after $((SECONDS - t0))s" | tee -a "$log"
  # A JVM crash report goes into the log (its head names the signal and the faulting frames), so
  # that the output stays the same files however many parts crash.
  local f
  for f in "$out"/hs_err_bench_*.log; do
    [ -f "$f" ] || continue
    { echo "== $name: JVM crash report $(basename "$f") (first 200 lines)"; head -n 200 "$f"; } >> "$log"
    rm -f "$f"
  done
}

echo "== cuda_bench $(date -u +%Y-%m-%dT%H:%M:%SZ), budget ${budget}s, bundle: $(head -n 1 "$bundle/BUILD-INFO" 2>/dev/null)" | tee -a "$log"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv >> "$log" 2>&1 || true
"$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "available", torch.cuda.is_available())' >> "$log" 2>&1 || true

cb="$bundle/bin/cuda-bench"
run groklab_matmul 60 QUIT "$cb" $quick --only device,matmul
run groklab_copy 25 QUIT "$cb" $quick --only copy
run groklab_attention 25 QUIT "$cb" $quick --only attention
run groklab_ce 20 QUIT "$cb" $quick --only ce
run groklab_walkers 30 QUIT "$cb" $quick --only walkers
run groklab_nanda 60 QUIT "$cb" $quick --only nanda
# The full nanda grok as a user runs it (15,000 steps, CUDA-graph replayed steps), wall time from
# process start to exit: one JSON line with the seconds and the steps at which it reached 99%.
grok_steps=15000
[ -n "$quick" ] && grok_steps=2000
run groklab_grok 60 QUIT bash -c '
  dir="$1/grok-nanda"; rm -rf "$dir"
  t0=$(date +%s%N)
  timeout -k 5 55 "$2/bin/groklab" grok --backend cuda --steps "$3" --out "$dir" --quiet > "$1/.grok.txt" 2>&1
  rc=$?
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  cat "$1/.grok.txt" >&2
  said=$(grep -m1 "train accuracy" "$1/.grok.txt" | tr -d "\"\\\\")
  rate=$(grep -m1 "steps/s on" "$1/.grok.txt" | tr -d "\"\\\\")
  printf "{\"bench\": \"grok_nanda\", \"steps\": %d, \"wall_s\": %d.%03d, \"exit\": %d, \"result\": \"%s\", \"rate\": \"%s\"}\n" \
    "$3" $((ms / 1000)) $((ms % 1000)) "$rc" "$said" "$rate"
  exit $rc' _ "$out" "$bundle" "$grok_steps"
run nanda_torch 40 TERM "$py" "$peers/nanda_torch.py" --device cuda --steps 50 --threads 0
run torch_matmul 30 TERM "$py" "$peers/torch_matmul.py" ${quick:+--sizes 1024,2048}
run torch_brownian 30 TERM "$py" "$peers/torch_brownian.py" ${quick:+--walkers 10000000}
run nanda_torch_compile 75 TERM "$py" "$peers/nanda_torch.py" --device cuda --steps 50 --threads 0 --compile
run torch_brownian_compile 60 TERM "$py" "$peers/torch_brownian.py" --compile ${quick:+--walkers 10000000}
echo "== cuda_bench done in ${SECONDS}s; results: $jsonl" | tee -a "$log"
cut -c1-220 "$jsonl"
# The goals table (groklab against its PyTorch peer of this run) into goals.md, and shown last.
"$cb" --goals "$jsonl" > "$out/goals.md" 2>> "$log" && cat "$out/goals.md"
