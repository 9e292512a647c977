#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages the test suite needs beyond
# scripts/install-deps.sh: renderers and checkers for the SVG profile card
# (tests/card), and the npm packages of package.json for the OpenAPI tests (below).
# Idempotent: packages already present are left alone.
# Must run as root (or through sudo).
#
#   librsvg2-bin        rsvg-convert, a non-browser SVG renderer
#   chromium            headless browser; renders the card inside an <img>
#   libxml2-utils       xmllint, checks that every card is well-formed XML
#   fonts-dejavu-core   a predictable sans-serif font for both renderers
#   fontconfig          font discovery for both renderers
#   systemd             systemd-analyze, checks deploy/lantern.service offline
#                       (tests/deploy; installing it starts nothing, no running
#                       systemd is needed, e.g. in a container)
set -euo pipefail

packages=(librsvg2-bin chromium libxml2-utils fonts-dejavu-core fontconfig systemd)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-tools: all ${#packages[@]} packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "install-test-tools: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages for the OpenAPI tests (tests/openapi, tests/http/docs_*): @redocly/cli
# lints docs/openapi.json, ajv + ajv-formats validate real responses against it.
# Versions are pinned in package.json and package-lock.json; `npm ci` installs exactly
# those into node_modules/ at the repository root (not part of the service).
# @redocly/cli needs Node.js 20.19+ (20.x) or 22.12+; Debian 12's own nodejs (18) is
# too old, so node itself is expected from NodeSource or similar.
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "install-test-tools: node and npm are required (Node.js 20.19+ or 22.12+)" >&2
  exit 1
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>=23||(a===22&&b>=12)||(a===20&&b>=19)?0:1)'; then
  echo "install-test-tools: Node.js $(node --version) is too old for @redocly/cli (20.19+ or 22.12+)" >&2
  exit 1
fi
echo "install-test-tools: npm ci in $root"
(cd "$root" && npm ci --no-audit --no-fund)
