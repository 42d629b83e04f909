#!/usr/bin/env bash
# Installs what the test suite drives besides npm packages, when it is missing:
# Debian's Chromium (end-to-end tests), PyTorch + NumPy (training smoke test, parity tests, the
# FLUX reference) and redis-server (batch tests on a real queue). Run by `npm test` before
# anything else, so the README's test command passes on a fresh Debian machine by itself.
set -euo pipefail

need=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || need+=(chromium)
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || need+=(python3-torch python3-numpy)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); elif command -v sudo >/dev/null 2>&1; then sudo=(sudo); else
  echo "The tests need ${need[*]}: install them with \`apt-get install ${need[*]}\` (as root), then run npm test again." >&2
  exit 1
fi
echo "Installing ${need[*]} from Debian (once)…"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${need[@]}"
