#!/usr/bin/env bash
# Installs Debian's chromium (used headless by interop/tests/test_events.py for a TensorBoard screenshot).
# Idempotent and quiet: does nothing when a chromium binary is already on PATH.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
if ! $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/tmp/install-chromium.log 2>&1; then
  cat /tmp/install-chromium.log >&2
  exit 1
fi
command -v chromium >/dev/null 2>&1
