#!/usr/bin/env bash
# The command lines Lantern is shipped with parse: the Dockerfile's CMD, the
# systemd unit's ExecStart and the documented forms, with the global --config
# before or after the subcommand. Each is run with a config file that does not
# exist, so a command line that parses ends in the config error (exit 2,
# "does not exist") instead of starting a server; one that does not parse
# ends in CLI11's usage error.
#   usage: command_lines_test.sh LANTERN_BINARY REPO_ROOT
set -u
lantern=$1
root=$2
missing=/nonexistent/lantern-test-config.toml
failures=0

expect_config_error() {
  local out rc
  out=$("$lantern" "$@" 2>&1 </dev/null)
  rc=$?
  if [ "$rc" -eq 2 ] && grep -q "does not exist" <<<"$out"; then
    echo "ok: lantern $*"
  else
    echo "FAIL: lantern $* -> exit $rc: $out"
    failures=$((failures + 1))
  fi
}

expect_config_error --config "$missing" serve
expect_config_error serve --config "$missing"
expect_config_error serve -c "$missing"
expect_config_error --config "$missing" commands register
expect_config_error backup /tmp/lantern-backup-test.db --config "$missing"

# The Dockerfile's CMD (its JSON array as words) and the unit's ExecStart.
docker_cmd=$(sed -n 's/^CMD \[\(.*\)\]$/\1/p' "$root/Dockerfile" | tr -d '",')
unit_exec=$(sed -n 's|^ExecStart=/usr/local/bin/lantern ||p' "$root/deploy/lantern.service")
for line in "$docker_cmd" "$unit_exec"; do
  if [ -z "$line" ] || ! grep -q -- "--config /etc/lantern/config.toml" <<<"$line"; then
    echo "FAIL: could not find the shipped command line (got '$line')"
    failures=$((failures + 1))
    continue
  fi
  # shellcheck disable=SC2086  # the words of the command line, split on purpose
  expect_config_error ${line//\/etc\/lantern\/config.toml/$missing}
done

exit $((failures > 0))
