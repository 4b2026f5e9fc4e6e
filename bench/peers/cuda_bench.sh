#!/usr/bin/env bash
# CUDA benchmarks on the GPU host, from the repository root with bundle/ present (built by
# native/bundle/build.sh; no JDK needed there). Writes JSON lines to OUT_DIR/bench.jsonl (OUT_DIR
# defaults to $OUT, else bench-out) and logs beside it:
#   - groklab's kernels (bundle/bin/cuda-bench): sgemm 1024/2048/4096 fp32 and TF32, copy GB/s,
#     attention and cross-entropy at the grokking shapes, walkers at 1e8, nanda training steps
#     (1 and 64 models, eager and CUDA-graph replayed);
#   - the PyTorch peers: nanda_torch.py --device cuda with and without --compile, torch.matmul,
#     a vectorized Brownian walker (eager and compiled).
#   bench/peers/cuda_bench.sh [OUT_DIR] [--quick]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
[ -x "$root/bin/cuda-bench" ] && bundle="$root" || bundle="$root/bundle"   # also runs from inside bundle/
peers="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:-${OUT:-bench-out}}"
quick=""
[ "${2:-}" = "--quick" ] && quick="--quick"
mkdir -p "$out"
jsonl="$out/bench.jsonl"
py="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1

run() {   # name, command...: a failing peer is recorded, the others still run
  local name="$1"; shift
  echo "== $name" | tee -a "$out/bench.log"
  "$@" >> "$jsonl" 2>> "$out/bench.log"
  local rc=$?
  [ $rc -eq 0 ] || echo "{\"bench\": \"$name\", \"error\": \"exit $rc (see bench.log)\"}" >> "$jsonl"
}

nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv >> "$out/bench.log" 2>&1 || true
run groklab "$bundle/bin/cuda-bench" $quick
run nanda_torch "$py" "$peers/nanda_torch.py" --device cuda --steps 50 --threads 0
run nanda_torch_compile "$py" "$peers/nanda_torch.py" --device cuda --steps 50 --threads 0 --compile
run torch_matmul "$py" "$peers/torch_matmul.py" ${quick:+--sizes 1024,2048}
run torch_brownian "$py" "$peers/torch_brownian.py" ${quick:+--walkers 10000000}
run torch_brownian_compile "$py" "$peers/torch_brownian.py" --compile ${quick:+--walkers 10000000}
echo "results: $jsonl"
grep -v '^==' "$jsonl" | cut -c1-220
