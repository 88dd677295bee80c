#!/usr/bin/env bash
# Installs what gst-ae needs on Debian 12 (as root; skips what is present)
# and configures and builds build/ (and, with --asan, build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # build
  gcc meson ninja-build pkg-config
  libglib2.0-dev libjson-glib-dev libopenblas-dev libsndfile1-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev
  # run and test: GStreamer tools and base elements, speech and noise makers
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  # textoverlay, for the labels of ae-train plot
  gstreamer1.0-x
  espeak-ng sox
)
if [ "${AE_BENCH:-0}" = 1 ]; then
  # bench/audio's peers: webrtcdsp, ffmpeg's denoisers, speexdsp
  packages+=(gstreamer1.0-plugins-bad ffmpeg libspeexdsp-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "setup: run as root to install packages" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

configure() {  # dir, extra meson args...
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@"
  fi
  ninja -C "$dir"
}

configure build
if [ "${1:-}" = "--asan" ]; then
  configure build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dbuildtype=debug
fi
