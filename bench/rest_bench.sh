#!/usr/bin/env bash
# REST read throughput: wrk against GET /api/v1/users/{id} of `lantern demo`.
#
#   bench/rest_bench.sh [seconds=20] [connections=64] [wrk threads=1]
#
# Starts the demo (200 simulated members, presences changing every 3 s) on a free
# port with access logging and the per-address rate limit off, picks a member that listens to Spotify when one
# does (the longest JSON, with the per-read elapsed-time splice), warms up, runs
# wrk with latency percentiles, and stops the demo. Server and wrk share the
# machine; numbers go to docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
connections=${2:-64}
wrk_threads=${3:-1}
binary=build/src/app/lantern
port=$((20000 + RANDOM % 20000))
workdir=$(mktemp -d)
trap 'kill "$demo_pid" 2>/dev/null || true; wait "$demo_pid" 2>/dev/null || true; rm -rf "$workdir"' EXIT

cat > "$workdir/bench.toml" <<TOML
# One load generator on loopback is one address: the per-address REST limit
# would answer it with 429s, so it is off for this measurement.
[server.rate_limit]
enabled = false
[log]
access = false
level = "warn"
[database]
path = "$workdir/bench.db"
TOML

"$binary" --config "$workdir/bench.toml" demo --port "$port" > "$workdir/demo.out" 2>&1 &
demo_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

ids=$(grep -o 'users/[0-9]\{17,20\}' "$workdir/demo.out" | cut -d/ -f2 | sort -u)
id=""
for candidate in $ids; do
  if curl -s "http://127.0.0.1:$port/api/v1/users/$candidate" | grep -q '"spotify":{'; then
    id=$candidate; break
  fi
done
[ -n "$id" ] || id=$(echo "$ids" | head -n 1)
url="http://127.0.0.1:$port/api/v1/users/$id"
echo "target: $url ($(curl -s "$url" | wc -c) bytes of JSON)"
wrk -t1 -c8 -d2s "$url" >/dev/null
wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" --latency "$url" | tee "$workdir/wrk.out"
if grep -q "Non-2xx" "$workdir/wrk.out"; then
  echo "rest_bench: some answers were not 200; the numbers above do not count" >&2
  exit 1
fi
