#!/usr/bin/env bash
# Checks deploy/lantern.service offline (no running systemd needed; works in a
# container, as root or not):
#  * `systemd-analyze verify` must exit 0 and say nothing about the unit (unknown
#    keys, values it cannot parse, a missing ExecStart binary);
#  * `systemd-analyze security --offline=yes` must rate its exposure at most
#    MAX_EXPOSURE.
# verify insists that ExecStart's binary exists, so the check runs on a copy of the
# unit in a temporary folder whose ExecStart names BINARY (the built lantern; ctest
# passes it) instead of /usr/local/bin/lantern. Both commands are given the copy's
# path, so a lantern.service installed on the machine is never read instead.
#
# Usage:
#   tests/deploy/verify_unit.sh [BINARY]              check deploy/lantern.service
#   tests/deploy/verify_unit.sh --self-test [BINARY]  show that the check can fail:
#       deliberately broken copies of the unit (an unknown key, a bad value, a
#       missing binary, no ExecStart, the hardening removed) must each be refused,
#       and the unit itself accepted.
# BINARY defaults to /bin/true. Exit status 0 when the expectation holds, else 1.
# Needs systemd-analyze (Debian package `systemd`, installed by
# scripts/install-test-tools.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."

MAX_EXPOSURE=2.0
UNIT=deploy/lantern.service
INSTALLED_BINARY=/usr/local/bin/lantern

self_test=false
if [ "${1:-}" = "--self-test" ]; then
  self_test=true
  shift
fi
binary="${1:-/bin/true}"

if ! command -v systemd-analyze >/dev/null; then
  echo "verify_unit: systemd-analyze is not installed; run scripts/install-test-tools.sh" \
    "(Debian package systemd)" >&2
  exit 1
fi
if [ ! -x "$binary" ] || [ -d "$binary" ]; then
  echo "verify_unit: $binary is not an executable file (build lantern first)" >&2
  exit 1
fi
binary="$(realpath "$binary")"

# No colours, no pager, no journal: plain text on any terminal or none.
export SYSTEMD_COLORS=0 SYSTEMD_PAGER=cat SYSTEMD_LOG_TARGET=console LC_ALL=C.UTF-8

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# check FILE: verifies FILE (a unit whose ExecStart is already an existing
# binary) and rates its exposure. Prints what it finds; returns 0 when both pass.
check() {
  local file="$1" name output status report exposure
  name="$(basename "$file")"
  # --recursive-errors=no: only this unit decides the exit status, not the
  # machine's own units it refers to (multi-user.target, network-online.target).
  status=0
  output="$(systemd-analyze verify --recursive-errors=no --man=no "$file" 2>&1)" || status=$?
  # Lines about other units are the machine's business; lines about ours fail it.
  local ours
  ours="$(grep -F -e "$name" -e "$file" <<<"$output" || true)"
  if [ "$status" -ne 0 ] || [ -n "$ours" ]; then
    echo "verify_unit: systemd-analyze verify refuses $name (exit status $status):"
    echo "$output"
    return 1
  fi
  if [ -n "$output" ]; then
    echo "verify_unit: note, about other units (not failing the check):"
    echo "$output"
  fi

  report="$(systemd-analyze security --offline=yes --no-pager "$file" 2>&1)" || {
    echo "verify_unit: systemd-analyze security failed on $name:"
    echo "$report"
    return 1
  }
  exposure="$(sed -n "s/.*Overall exposure level for ${name//./\\.}: \([0-9.]*\).*/\1/p" <<<"$report")"
  if [ -z "$exposure" ]; then
    echo "verify_unit: no exposure level in the output of systemd-analyze security:"
    echo "$report"
    return 1
  fi
  if ! awk -v e="$exposure" -v max="$MAX_EXPOSURE" 'BEGIN { exit !(e <= max) }'; then
    echo "verify_unit: the exposure of $name is $exposure, above $MAX_EXPOSURE:"
    grep -F '✗' <<<"$report" | head -n 15 || true
    return 1
  fi
  echo "verify_unit: $name verifies; exposure $exposure (at most $MAX_EXPOSURE)"
}

# The unit with ExecStart pointing at $binary, as $work/lantern.service.
grep -q "^ExecStart=$INSTALLED_BINARY " "$UNIT" || {
  echo "verify_unit: $UNIT has no ExecStart=$INSTALLED_BINARY ...; update this script" >&2
  exit 1
}
sed "s#^ExecStart=$INSTALLED_BINARY #ExecStart=$binary #" "$UNIT" >"$work/lantern.service"

if ! $self_test; then
  check "$work/lantern.service"
  exit
fi

# ---- self-test: each broken copy must be refused ------------------------------
failures=0
expect_refused() {
  local what="$1" file="$2"
  echo "--- $what"
  if check "$file"; then
    echo "verify_unit: SELF-TEST FAILED: a unit with $what was accepted"
    failures=$((failures + 1))
  fi
}
broken() {  # broken NAME SED-SCRIPT: a copy of the unit edited by SED-SCRIPT
  mkdir -p "$work/$1"
  sed "$2" "$work/lantern.service" >"$work/$1/lantern.service"
  if cmp -s "$work/lantern.service" "$work/$1/lantern.service"; then
    echo "verify_unit: self-test edit '$2' changed nothing; update this script" >&2
    exit 1
  fi
  echo "$work/$1/lantern.service"
}

expect_refused "an unknown key" "$(broken unknown-key 's/^Restart=/Restartt=/')"
expect_refused "a value that does not parse" "$(broken bad-value 's/^Restart=.*/Restart=sometimes/')"
expect_refused "a missing ExecStart binary" \
  "$(broken missing-binary "s#^ExecStart=$binary #ExecStart=$work/no-such-lantern #")"
expect_refused "no ExecStart" "$(broken no-exec-start '/^ExecStart=/d')"
expect_refused "the hardening removed" "$(broken no-hardening '/^# ---- hardening/,/^DevicePolicy=/d')"
echo "--- the unit itself"
check "$work/lantern.service" || failures=$((failures + 1))

if [ "$failures" -ne 0 ]; then
  echo "verify_unit: self-test: $failures expectation(s) failed"
  exit 1
fi
echo "verify_unit: self-test passed: every broken unit was refused, the unit accepted"
