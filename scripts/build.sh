#!/usr/bin/env bash
# Configures and builds Lantern. Usage: scripts/build.sh [--sanitize] [cmake args...]
#   (default)    build/       RelWithDebInfo, tests and benchmarks
#   --sanitize   build-asan/  Debug with AddressSanitizer + UndefinedBehaviorSanitizer, tests only
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=build
args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  build_dir=build-asan
  args=(-DCMAKE_BUILD_TYPE=Debug -DLANTERN_SANITIZE=ON -DLANTERN_BUILD_BENCH=OFF)
fi

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S . -B "$build_dir" "${generator[@]}" "${args[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j"${LANTERN_JOBS:-2}"

