#!/usr/bin/env bash
# The front door: installs what Lantern needs, builds it and runs it.
# With a Discord bot token (DISCORD_BOT_TOKEN in the environment or in .env) it runs
# `lantern serve`; without one it runs `lantern demo` on port 8000 (simulated guild).
# Extra arguments go to lantern, e.g. scripts/run.sh --config config.toml
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh

token="${DISCORD_BOT_TOKEN:-}"
if [ -z "$token" ] && [ -f .env ]; then
  token=$(sed -n 's/^[[:space:]]*\(export[[:space:]]\+\)\?DISCORD_BOT_TOKEN=//p' .env | tail -n 1)
fi

if [ -n "$token" ]; then
  exec build/src/app/lantern "$@" serve
else
  echo "No DISCORD_BOT_TOKEN configured: starting the demo (simulated Discord guild)."
  exec build/src/app/lantern "$@" demo
fi
