#!/bin/sh
# run.sh: build and run ae-bench-audio (see bench/audio/README.md).
#
#   bench/audio/run.sh [--quick] [--data DIR] [any ae-bench-audio option]
#
# Environment: BENCH_BUILD (default build-bench) is the meson build dir the
# bench is built in; AE_PLUGIN_DIR (default build/gst) is where
# libgstae.so is looked for.  Run from anywhere; paths are relative to the
# repository root.
set -eu

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
build=${BENCH_BUILD:-build-bench}
plugin_dir=${AE_PLUGIN_DIR:-build/gst}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" >/dev/null
fi
ninja -C "$build" bench/audio/ae-bench-audio bench/audio/bench-exec >/dev/null
# speex-denoise is optional (speexdsp may be missing): build it if meson
# knows it
ninja -C "$build" bench/audio/speex-denoise >/dev/null 2>&1 || true

mkdir -p bench/out/audio
# Single-threaded numerics everywhere; our plugin first; a registry of our
# own so a stale user cache cannot hide or shadow the element.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
export GST_PLUGIN_PATH="$root/$plugin_dir${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
export GST_REGISTRY="$root/bench/out/audio/registry.bin"
rm -f "$GST_REGISTRY"

speex="$build/bench/audio/speex-denoise"
exec "$build/bench/audio/ae-bench-audio" \
  --plugin-path "$plugin_dir" \
  --speex "$speex" \
  --report bench/out/audio-results.md \
  "$@"
