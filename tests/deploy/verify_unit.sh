#!/usr/bin/env bash
# Checks deploy/lantern.service without a running systemd:
#  * `systemd-analyze verify` must print nothing (it exits 0 on unknown keys and bad
#    values and only prints them, so any output is a failure);
#  * `systemd-analyze security --offline` must rate the exposure at most MAX_EXPOSURE.
# ExecStart's binary is replaced by an existing one (verify insists that it exists):
# the built lantern when given as $1, else /bin/true.
# Usage: tests/deploy/verify_unit.sh [path/to/lantern]   (needs the systemd package)
set -euo pipefail
cd "$(dirname "$0")/../.."

MAX_EXPOSURE=2.0
binary="${1:-/bin/true}"
command -v systemd-analyze >/dev/null || { echo "verify_unit: systemd-analyze not installed (apt-get install systemd)"; exit 77; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sed "s#/usr/local/bin/lantern#$(realpath "$binary")#" deploy/lantern.service >"$work/lantern.service"

output="$(cd "$work" && systemd-analyze verify lantern.service 2>&1)" || true
if [ -n "$output" ]; then
  echo "verify_unit: systemd-analyze verify reports problems:"
  echo "$output"
  exit 1
fi

report="$(cd "$work" && systemd-analyze security --offline=yes --no-pager lantern.service 2>&1)"
exposure="$(sed -n 's/.*Overall exposure level for lantern.service: \([0-9.]*\).*/\1/p' <<<"$report")"
if [ -z "$exposure" ]; then
  echo "verify_unit: no exposure level in the output of systemd-analyze security:"
  echo "$report"
  exit 1
fi
if ! awk -v e="$exposure" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(e <= max) }'; then
  echo "verify_unit: exposure $exposure is above $MAX_EXPOSURE:"
  grep '✗' <<<"$report" || true
  exit 1
fi
echo "verify_unit: deploy/lantern.service verifies; exposure $exposure (at most $MAX_EXPOSURE)"
