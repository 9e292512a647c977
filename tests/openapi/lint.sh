#!/bin/sh
# Lints an OpenAPI document with the pinned @redocly/cli (package.json), using
# tests/openapi/redocly.yaml (recommended-strict: any problem fails).
#
#   tests/openapi/lint.sh [document]             lint (default docs/openapi.json); 0 when clean
#   tests/openapi/lint.sh --expect-problems doc  0 only when the linter rejects `doc`
#                                                 (shows that the lint can fail)
# Exit 2 when the tools are not installed.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
redocly="$root/node_modules/.bin/redocly"
if [ ! -x "$redocly" ] || ! command -v node >/dev/null 2>&1; then
  echo "openapi lint: @redocly/cli is not installed in $root/node_modules (or node is missing)." >&2
  echo "openapi lint: run scripts/install-test-tools.sh (npm ci at the repository root)." >&2
  exit 2
fi
expect_problems=0
if [ "${1:-}" = "--expect-problems" ]; then
  expect_problems=1
  shift
fi
document=${1:-$root/docs/openapi.json}
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
"$redocly" lint --config "$root/tests/openapi/redocly.yaml" "$document"
status=$?
if [ "$expect_problems" -eq 1 ]; then
  if [ "$status" -eq 0 ]; then
    echo "openapi lint: $document was expected to fail the lint, but it passed" >&2
    exit 1
  fi
  echo "openapi lint: $document rejected as expected"
  exit 0
fi
exit "$status"
