#!/usr/bin/env bash
# Smoke test of a built Lantern image: the binary runs as the unprivileged user,
# `lantern demo` (no Discord needed) becomes ready and answers REST, SVG and the
# image's own HEALTHCHECK, the shipped CMD parses, and `docker stop` ends the
# process through the graceful shutdown (exit 0).
#
#   docker build -t lantern . && deploy/smoke-test-image.sh lantern
#
# Not part of the ctest suite: it needs a Docker daemon and a built image.
set -euo pipefail
image=${1:-lantern}
docker=${DOCKER:-docker}
name=lantern-smoke-$$
port=${SMOKE_PORT:-18731}

fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() { "$docker" rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

"$docker" run --rm "$image" --version | grep -q '^lantern ' || fail "--version"
[ "$("$docker" run --rm --entrypoint id "$image" -u)" = 10001 ] || fail "not running as uid 10001"
# The default CMD with no token configured must stop with a clear config error, not a usage error.
set +e
out=$("$docker" run --rm "$image" 2>&1)
rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q DISCORD_BOT_TOKEN <<<"$out" ||
  fail "default CMD without a token: exit $rc, want 2 naming DISCORD_BOT_TOKEN: $out"
echo "ok: default CMD -> $(tail -n 1 <<<"$out")"

"$docker" run -d --name "$name" -p "127.0.0.1:$port:8000" "$image" demo --port 8000 >/dev/null
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$port/readyz" | grep -q ready || fail "/readyz"
user=$("$docker" logs "$name" 2>&1 | grep -o '/api/v1/users/[0-9]*' | head -n 1)
[ -n "$user" ] || fail "demo printed no user URL"
curl -fs "http://127.0.0.1:$port$user" | grep -q '"active_platforms"' || fail "user JSON"
curl -fs -o /dev/null -w '%{content_type}' "http://127.0.0.1:$port$user?svg=1" | grep -q svg ||
  fail "SVG card"
# The image's own HEALTHCHECK command, run inside the container.
mapfile -t check < <("$docker" inspect --format '{{range .Config.Healthcheck.Test}}{{println .}}{{end}}' "$image" | sed '/^$/d')
[ "${check[0]:-}" = CMD ] || fail "no HEALTHCHECK CMD in the image"
"$docker" exec "$name" "${check[@]:1}" || fail "HEALTHCHECK command"
"$docker" stop -t 30 "$name" >/dev/null
[ "$("$docker" inspect --format '{{.State.ExitCode}}' "$name")" = 0 ] || fail "exit code after docker stop"
echo "ok: $image passed the smoke test"
