#!/usr/bin/env bash
# Installs Debian's Chromium for the demo's browser test (examples/chat), unless it is there.
# The test drives it with playwright-core; no browser is ever downloaded by npm.
set -euo pipefail
CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
if [[ -x "$CHROMIUM" ]]; then
  echo "[chromium] found $CHROMIUM"
  exit 0
fi
echo "[chromium] installing Debian's chromium"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
"$CHROMIUM" --version
