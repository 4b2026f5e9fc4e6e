# Sourced by the bundle's launchers (bin/groklab, bin/gpu-tests, bin/cuda-bench): finds the
# bundle, unpacks its Java runtime on first use and sets JAVA, JVM_FLAGS and GROKLAB_CP.
#
# The runtime (a jlinked JDK 25 image) travels packed as runtime.tar.xz and is unpacked once into
# $GROKLAB_RUNTIME_DIR, default ${TMPDIR:-/tmp}/groklab-runtime-<id>, where <id> names the
# packed file's contents, so a rebuilt bundle never reuses a stale runtime. Unpacking uses tar
# (with xz), or Python's tarfile where tar cannot read xz.

bundle="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

groklab_runtime() {
  local id rt tmp
  id="$(cat "$bundle/runtime.id")"
  rt="${GROKLAB_RUNTIME_DIR:-${TMPDIR:-/tmp}/groklab-runtime-$id}"
  if [ ! -x "$rt/bin/java" ] || [ "$(cat "$rt/.groklab-runtime-id" 2>/dev/null)" != "$id" ]; then
    tmp="$rt.unpack.$$"
    rm -rf "$tmp"
    mkdir -p "$tmp" || { echo "groklab: cannot create $tmp" >&2; return 1; }
    if ! tar -xJf "$bundle/runtime.tar.xz" -C "$tmp" 2>/dev/null; then
      rm -rf "$tmp" && mkdir -p "$tmp"
      if ! python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' \
          "$bundle/runtime.tar.xz" "$tmp"; then
        echo "groklab: cannot unpack $bundle/runtime.tar.xz (needs tar with xz, or python3)" >&2
        rm -rf "$tmp"
        return 1
      fi
    fi
    echo "$id" > "$tmp/.groklab-runtime-id"
    rm -rf "$rt"
    mv "$tmp" "$rt" 2>/dev/null || rm -rf "$tmp"   # another launcher may have won the race
  fi
  # Charts need fonts, and a host without fontconfig (or with a broken one) makes Java fail with
  # "Fontconfig head is null": the runtime always uses the bundled DejaVu Sans instead.
  JVM_FONT_FLAGS=()
  if [ -f "$bundle/fonts/DejaVuSans.ttf" ]; then
    local fc="$rt/lib/fontconfig.bundle.properties"
    sed "s|@FONTS@|$bundle/fonts|g" "$bundle/fonts/fontconfig.properties.in" > "$fc.$$" && mv "$fc.$$" "$fc" \
      && JVM_FONT_FLAGS=("-Dsun.awt.fontconfig=$fc")
  fi
  JAVA="$rt/bin/java"
}

groklab_runtime || exit 1
JVM_FLAGS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m
           -Djava.awt.headless=true "${JVM_FONT_FLAGS[@]}")
# Extra JVM options, split on spaces (e.g. GROKLAB_JAVA_OPTS="-Dgroklab.cuda.driver=jcuda -Xmx8g").
if [ -n "${GROKLAB_JAVA_OPTS:-}" ]; then
  read -r -a _extra <<< "$GROKLAB_JAVA_OPTS"
  JVM_FLAGS+=("${_extra[@]}")
fi
GROKLAB_CP="$bundle/lib/groklab.jar:$bundle/lib/*"
