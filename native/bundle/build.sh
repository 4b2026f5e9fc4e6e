#!/usr/bin/env bash
# Builds bundle/: everything a GPU host without a JDK, Maven or network needs to run groklab,
# its @Tag("gpu") tests and the CUDA benchmarks.
#
#   native/bundle/build.sh [--build-dir DIR] [--out DIR] [--no-mvn] [--allow-no-kernels]
#
#   --build-dir DIR  Maven build directory (passed as -Dgroklab.buildDir; default: target, or
#                    $GROKLAB_BUILD_DIR); the jlinked runtime is assembled under DIR/bundle-work
#   --out DIR        where the bundle goes (default: bundle/ beside this repository's pom.xml)
#   --no-mvn         reuse the build directory as it is (no `mvn package`)
#   --allow-no-kernels  bundle even when the build had no nvcc (the CUDA backend then reports
#                    "kernels were not compiled"); by default that is an error
#
# Needs a JDK 25 (jlink; JAVA_HOME or /usr/lib/jvm/*), Maven with the project's dependencies and
# the JUnit console launcher in its local repository (offline unless MVN_FLAGS says otherwise),
# nvcc for the kernels, xz and strip (optional). Layout of the result:
#
#   bin/groklab        the CLI (devices, grok, train, walk, bench, ...)
#   bin/gpu-tests      the @Tag("gpu") tests, one JVM per driver binding -> REPORT_DIR/console.txt
#   bin/cuda-bench     CUDA kernel and training-step timings, JSON lines
#   bin/common.sh      shared by the three: unpacks the runtime on first use
#   runtime.tar.xz     jlinked Java runtime (runtime.id names its contents)
#   lib/               groklab.jar (with the fatbin) and its runtime dependencies
#   test/              the test classes and the JUnit console launcher
#   bench/peers/       cuda_bench.sh and the PyTorch peer scripts
#   fonts/             DejaVu Sans for charts on hosts without fontconfig
#   BUILD-INFO         commit, date, tool versions, sizes
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/native/bundle"

build="${GROKLAB_BUILD_DIR:-$root/target}"
out="$root/bundle"
mvn_package=1
allow_no_kernels=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-mvn) mvn_package=0; shift ;;
    --allow-no-kernels) allow_no_kernels=1; shift ;;
    -h|--help) sed -n '2,30p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "bundle: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
case "$build" in /*) ;; *) build="$PWD/$build" ;; esac
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac

say() { echo "bundle: $*" >&2; }
die() { say "$*"; exit 1; }

# ---- JDK ------------------------------------------------------------------------------------------
java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }
jdk=""
for c in "${JAVA_HOME:-}" /usr/lib/jvm/*; do
  [ -n "$c" ] && [ -x "$c/bin/jlink" ] || continue
  v="$(java_major "$c/bin/java")"
  if [ -n "$v" ] && [ "$v" -ge 25 ]; then jdk="$c"; break; fi
done
[ -n "$jdk" ] || die "needs a JDK 25 or newer with jlink (set JAVA_HOME)"
export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH"
command -v xz >/dev/null || die "needs xz to pack the runtime"

# ---- Maven build ----------------------------------------------------------------------------------
if [ "$mvn_package" = 1 ]; then
  say "mvn package (build dir $build)"
  # shellcheck disable=SC2086
  (cd "$root" && mvn ${MVN_FLAGS:--q -o} -Dgroklab.buildDir="$build" -DskipTests package) || die "mvn package failed"
fi
jar="$build/groklab.jar"
[ -f "$jar" ] && [ -d "$build/lib" ] && [ -d "$build/test-classes/dev/groklab/backend/cuda" ] \
  || die "no build in $build (groklab.jar, lib/, test-classes/): run without --no-mvn"
if ! jar tf "$jar" | grep -qx kernels/cuda/groklab.fatbin; then
  if [ "$allow_no_kernels" = 1 ]; then
    say "WARNING: groklab.jar has no kernels/cuda/groklab.fatbin (no nvcc at build time); the CUDA backend will be unavailable"
  else
    die "groklab.jar has no kernels/cuda/groklab.fatbin (no nvcc at build time?); --allow-no-kernels to bundle anyway"
  fi
fi

# JUnit console launcher matching the project's JUnit (Jupiter 5.x.y <-> Platform 1.x.y).
junit="$(sed -n 's:.*<junit.version>\(.*\)</junit.version>.*:\1:p' "$root/pom.xml" | head -n1)"
platform="1.${junit#5.}"
m2="$(cd "$root" && mvn -q -o help:evaluate -Dexpression=settings.localRepository -DforceStdout 2>/dev/null || true)"
[ -d "$m2" ] || m2="$HOME/.m2/repository"
console="$m2/org/junit/platform/junit-platform-console-standalone/$platform/junit-platform-console-standalone-$platform.jar"
if [ ! -f "$console" ]; then
  say "fetching junit-platform-console-standalone $platform"
  # shellcheck disable=SC2086
  (cd "$root" && mvn ${MVN_FLAGS:--q} dependency:get -Dartifact="org.junit.platform:junit-platform-console-standalone:$platform") \
    || die "junit-platform-console-standalone $platform is not in $m2 and could not be fetched"
fi

# ---- assemble -------------------------------------------------------------------------------------
work="$build/bundle-work"
rm -rf "$work"
mkdir -p "$work"
stage="$work/bundle"
mkdir -p "$stage/bin" "$stage/lib" "$stage/test" "$stage/bench/peers" "$stage/fonts"

# Java runtime: the modules the jars need (jdeps over main, dependencies and tests), plus
# jdk.unsupported (libraries probe sun.misc), jdk.management, java.xml (JUnit's XML report) and
# jdk.zipfs (JUnit scans jars for test classes through the zip file system).
modules="$(jdeps --multi-release 25 --ignore-missing-deps --print-module-deps \
  --class-path "$build/lib/*:$console" "$jar" "$build/test-classes" 2>/dev/null | tail -n1)"
case "$modules" in java.base*) ;; *) die "jdeps failed: $modules" ;; esac
modules="$(echo "$modules,java.logging,java.xml,java.management,jdk.management,jdk.unsupported,jdk.zipfs,jdk.incubator.vector" \
  | tr ',' '\n' | sort -u | paste -sd, -)"
say "jlink $modules"
# Uncompressed modules: xz packs them to 20 MB where zip-compressed ones stay at 34 MB.
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress zip-0 \
  --output "$work/runtime" 2>&1 | grep -v 'incubator modules' >&2 || true
[ -x "$work/runtime/bin/java" ] || die "jlink failed"
if command -v strip >/dev/null; then
  find "$work/runtime" -name '*.so' -exec strip --strip-unneeded {} + 2>/dev/null || true
fi
"$work/runtime/bin/java" --add-modules jdk.incubator.vector -version >/dev/null 2>&1 || die "the jlinked runtime does not start"
(cd "$work/runtime" && tar -cf - . | xz -9e -T0 > "$stage/runtime.tar.xz")
sha256sum "$stage/runtime.tar.xz" | cut -c1-16 > "$stage/runtime.id"

# Jars. JCuda's natives jar carries every JCuda library (runtime, NVRTC, PTX compiler: 26 MB);
# the driver binding loads only libJCudaDriver, so the bundled copy keeps just that one.
cp "$jar" "$stage/lib/groklab.jar"
for f in "$build"/lib/*.jar; do
  case "$(basename "$f")" in
    jcuda-natives-*)
      mkdir -p "$work/jcuda-natives"
      (cd "$work/jcuda-natives" && jar xf "$f" && find lib -name '*.so' ! -name 'libJCudaDriver-*' -delete \
        && ls lib/libJCudaDriver-*linux-x86_64.so >/dev/null \
        && jar --create --no-manifest --file "$stage/lib/$(basename "$f")" -C "$work/jcuda-natives" .) \
        || die "cannot trim $(basename "$f") (is libJCudaDriver for linux-x86_64 inside?)"
      ;;
    *) cp "$f" "$stage/lib/" ;;
  esac
done
jar --create --no-manifest --file "$stage/test/groklab-tests.jar" -C "$build/test-classes" .
cp "$console" "$stage/test/junit-platform-console-standalone.jar"

# Launchers, peers, fonts.
cp "$here"/bin/* "$stage/bin/"
chmod +x "$stage/bin/groklab" "$stage/bin/gpu-tests" "$stage/bin/cuda-bench"
cp "$root"/bench/peers/*.py "$root"/bench/peers/*.sh "$stage/bench/peers/"
chmod +x "$stage"/bench/peers/*.sh
cp "$here/fontconfig.properties.in" "$stage/fonts/"
for f in DejaVuSans.ttf DejaVuSans-Bold.ttf; do
  src="$(find /usr/share/fonts -name "$f" 2>/dev/null | head -n1)"
  if [ -n "$src" ]; then cp "$src" "$stage/fonts/"; else say "WARNING: $f not found: charts need the host's fonts"; fi
done

{
  echo "groklab $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo '+changes') built $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1)"
  echo "nvcc: $( (command -v nvcc >/dev/null && nvcc --version | tail -n2 | head -n1) || echo none)"
  echo "modules: $modules"
  echo "kernels: $(tail -n +2 "$build/classes/kernels/cuda/resources.tsv" 2>/dev/null | wc -l) entry points"
} > "$stage/BUILD-INFO"

# Smoke test on this machine: the runtime unpacks, the CLI starts, and the test launcher finds the
# GPU tests (here they are skipped, or fail under GROKLAB_REQUIRE_GPU=1, unless this machine has a GPU).
export GROKLAB_RUNTIME_DIR="$work/smoke-runtime"
"$stage/bin/groklab" --version >/dev/null || die "the bundle's launcher does not start here"
GROKLAB_TEST_DRIVERS=ffm GROKLAB_TEST_BUDGET=150 "$stage/bin/gpu-tests" "$work/smoke-tests" >/dev/null 2>&1 || true
found="$(sed -n 's/^\[ *\([0-9]*\) tests found .*/\1/p' "$work/smoke-tests/console.txt" 2>/dev/null | head -n1)"
[ -n "$found" ] && [ "$found" -gt 0 ] || die "bin/gpu-tests found no tests (see $work/smoke-tests/console.txt)"
say "bin/gpu-tests here: $found tests found, $(grep -E 'tests (successful|aborted|failed)' "$work/smoke-tests/console.txt" \
  | tr -s ' []' ' ' | paste -sd, -)"
unset GROKLAB_RUNTIME_DIR

rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$stage" "$out"
rm -rf "$work"
size=$(du -sb "$out" | cut -f1)
echo "size: $size bytes" >> "$out/BUILD-INFO"
say "$out: $((size / 1024 / 1024)) MiB ($(head -n1 "$out/BUILD-INFO"))"
if [ "$size" -gt $((56 << 20)) ]; then
  say "WARNING: over 56 MiB; with the repository it may not fit a 64 MiB transfer"
fi
