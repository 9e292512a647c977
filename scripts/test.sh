#!/usr/bin/env bash
# Installs everything the test suite needs, builds Lantern and runs the whole suite.
# Usage: scripts/test.sh             release build (build/)
#        scripts/test.sh --sanitize  ASan + UBSan build (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/install-test-tools.sh
scripts/build.sh "$@"
build_dir=build
[ "${1:-}" = "--sanitize" ] && build_dir=build-asan

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir "$build_dir" --output-on-failure -j"${LANTERN_TEST_JOBS:-2}" --timeout 600
