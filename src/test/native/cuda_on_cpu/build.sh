#!/usr/bin/env bash
# Builds <out dir>/libcuda.so.1: the driver of driver.cpp with every kernels/cuda/*.cu compiled
# for the CPU (see device.hpp). Needs g++ and the CUDA toolkit's cuda.h.
#
#   src/test/native/cuda_on_cpu/build.sh <out dir>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
out="${1:?usage: build.sh <out dir>}"
mkdir -p "$out"
inc=""
for d in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda; do
  if [ -n "$d" ] && [ -f "$d/include/cuda.h" ]; then inc="$d/include"; break; fi
done
[ -n "$inc" ] || { echo "no cuda.h (CUDA toolkit) in \$CUDA_HOME/include or /usr/local/cuda/include" >&2; exit 1; }
cxx="${CXX:-g++}"

for f in "$root"/kernels/cuda/*.cu; do echo "#include \"$f\""; done > "$out/kernels.inc"
# Entry points, macro-generated ones included: preprocess with __global__ spelled as a marker.
printf '#include "device.hpp"\n#include "kernels.inc"\n' > "$out/entries.cpp"
"$cxx" -E -P -std=c++17 -D__global__=GL_ENTRY_POINT -I "$here" -I "$here/include" -I "$out" "$out/entries.cpp" \
  | tr '\n' ' ' | grep -oE 'extern "C" +GL_ENTRY_POINT +void +[A-Za-z_][A-Za-z0-9_]* *\(' \
  | sed -E 's/.* void +([A-Za-z0-9_]+) *\(/GL_ENTRY(\1)/' | sort -u > "$out/entries.inc"
[ -s "$out/entries.inc" ] || { echo "no kernel entry points found in kernels/cuda" >&2; exit 1; }

# -ffp-contract=fast with FMA: products fuse into adds as nvcc's default -fmad=true does.
"$cxx" -std=c++17 -O2 -g -shared -fPIC -mfma -ffp-contract=fast -fno-strict-aliasing -fno-ipa-reference \
  -Wall -Wno-unknown-pragmas -Wno-unused-function -Wno-unused-variable -Wno-maybe-uninitialized \
  -I "$here/include" -I "$here" -I "$out" -I "$inc" -o "$out/libcuda.so.1" "$here/driver.cpp"
echo "$out/libcuda.so.1: $(wc -l < "$out/entries.inc") kernels"
