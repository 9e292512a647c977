#!/usr/bin/env bash
# End-to-end /socket benchmark (issue 4), everything on this machine over loopback:
#
#   bench/sim_driver   the Discord simulator (src/sim: Gateway v10, zlib-stream) with a guild of
#                      --users members; PRESENCE_UPDATEs at --rate/s for --seconds once started
#   lantern serve      the real server, pointed at the simulator: gateway client -> decode ->
#                      PresenceStore -> hub -> WebSocket sessions
#   socket_loadgen     --sessions /socket sessions over --processes processes (one process may
#                      hold at most 20,000 open files); one in --all-every subscribes to All
#
# The load generator starts the driver (SIGUSR1) once every session is initialized, measures
# for --seconds and waits 3 s more for the tail, checks order and loss per user and prints latency from the
# driver handing the update to the simulator to a client holding the frame, frames/s, server CPU
# and RSS. Several --rate values make a sweep (one fresh driver + server + sessions per rate).
#
#   bench/socket_e2e.sh [--build build-h4] [--rate 2000[,3000,...]] [--seconds 60]
#                       [--sessions 18000] [--users 1000] [--all-every 1000] [--processes 2]
#                       [--threads 2] [--lantern path/to/lantern]   (default: <build>/src/app/lantern)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

build=build
rates=2000
seconds=60
sessions=18000
users=1000
all_every=1000
processes=2
threads=2
lantern=
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2 ;;
    --rate) rates=$2 ;;
    --seconds) seconds=$2 ;;
    --sessions) sessions=$2 ;;
    --users) users=$2 ;;
    --all-every) all_every=$2 ;;
    --processes) processes=$2 ;;
    --threads) threads=$2 ;;
    --lantern) lantern=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done

lantern=$(realpath "${lantern:-$root/$build/src/app/lantern}")
driver_bin="$root/$build/bench/sim_driver"
loadgen_bin="$root/$build/bench/socket_loadgen"
for bin in "$lantern" "$driver_bin" "$loadgen_bin"; do
  [ -x "$bin" ] || { echo "missing $bin (cmake --build $build)" >&2; exit 2; }
done

first_user=100000000000000000
guild=222222222222222222
work=$(mktemp -d /tmp/lantern-e2e.XXXXXX)
driver_pid=
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  [ -n "$driver_pid" ] && kill "$driver_pid" 2>/dev/null && wait "$driver_pid" 2>/dev/null || true
  server_pid=
  driver_pid=
}
trap 'cleanup; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

run_one() {
  local rate=$1
  local updates=$((rate * seconds))
  echo "=== rate $rate updates/s, $seconds s, $sessions sessions over $users users (1 in $all_every All)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

  rm -f "$work/driver.log"  # the wait below must not read the previous run's port
  "$driver_bin" --port 0 --users "$users" --first-user "$first_user" --rate "$rate" \
    --seconds "$seconds" --wait-signal 1 >"$work/driver.log" 2>&1 &
  driver_pid=$!
  for _ in $(seq 100); do grep -q '^port ' "$work/driver.log" && break; sleep 0.1; done
  local sim_port
  sim_port=$(sed -n 's/^port //p' "$work/driver.log")
  [ -n "$sim_port" ] || { echo "driver did not start:"; cat "$work/driver.log"; exit 1; }

  local port
  port=$(free_port)
  rm -f "$work/lantern.db"*
  cat >"$work/config.toml" <<EOF
base_guild_id = "$guild"
[server]
port = $port
bind = "127.0.0.1"
threads = $threads
[server.rate_limit]
enabled = false
[server.socket]
max_sessions_per_address = 100000
[discord]
api_base = "http://127.0.0.1:$sim_port/api/v10"
[database]
path = "$work/lantern.db"
[log]
level = "warn"
access = false
EOF
  (cd "$work" && DISCORD_BOT_TOKEN=sim-token \
    KV_TOKEN_ENCRYPTION_SECRET=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
    exec "$lantern" --config "$work/config.toml" serve >"$work/lantern.log" 2>&1) &
  server_pid=$!
  for _ in $(seq 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "lantern not ready:"; cat "$work/lantern.log"; exit 1; }

  local status=0
  "$loadgen_bin" --port "$port" --users "$users" --first-user "$first_user" \
    --sessions "$sessions" --processes "$processes" --all-every "$all_every" \
    --seconds "$seconds" --drain 3 --updates "$updates" \
    --server-pid "$server_pid" --driver-pid "$driver_pid" || status=$?
  grep '^driver:' "$work/driver.log" || echo "driver: did not finish its $updates updates in time"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); loadgen exit status $status"
  grep -iE 'warn|error|critical' "$work/lantern.log" | head -5 || true
  cleanup
}

IFS=, read -ra rate_list <<<"$rates"
for rate in "${rate_list[@]}"; do run_one "$rate"; done
