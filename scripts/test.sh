#!/usr/bin/env bash
# Sets up (scripts/setup.sh), then runs the whole test suite twice: the
# normal build and an AddressSanitizer + UndefinedBehaviorSanitizer build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --asan

export OPENBLAS_NUM_THREADS=1
status=0
echo "== tests: build/ =="
meson test -C build --print-errorlogs --num-processes 2 || status=1
echo "== tests: build-asan/ (address, undefined) =="
meson test -C build-asan --print-errorlogs \
  --num-processes 2 --timeout-multiplier 4 || status=1
exit $status
