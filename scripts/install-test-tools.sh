#!/usr/bin/env bash
# Installs the Debian 12 (bookworm) packages the test suite needs beyond
# scripts/install-deps.sh: renderers and checkers for the SVG profile card
# (tests/card). Idempotent: packages already present are left alone.
# Must run as root (or through sudo).
#
#   librsvg2-bin        rsvg-convert, a non-browser SVG renderer
#   chromium            headless browser; renders the card inside an <img>
#   libxml2-utils       xmllint, checks that every card is well-formed XML
#   fonts-dejavu-core   a predictable sans-serif font for both renderers
#   fontconfig          font discovery for both renderers
set -euo pipefail

packages=(librsvg2-bin chromium libxml2-utils fonts-dejavu-core fontconfig)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-tools: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-test-tools: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
