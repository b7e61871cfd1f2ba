#!/usr/bin/env bash
# Installs Debian's oneDNN (libdnnl-dev), which @tensorgraft/graph's optional native convolutions link against
# (packages/graph/native/dnnl-conv.c). Must run before `pnpm build`, which builds that module when the headers are
# there. Idempotent: nothing to do when they are. Without apt or root, says so and leaves the wasm kernels in use.
set -euo pipefail
if [ -f /usr/include/oneapi/dnnl/dnnl.h ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-onednn: not root and no sudo; convolutions will run on the wasm backend's kernels" >&2
    exit 0
  fi
  SUDO="sudo"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-onednn: no apt-get; install oneDNN (libdnnl) to get native convolutions" >&2
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
if ! $SUDO apt-get install -y -qq --no-install-recommends libdnnl-dev >/tmp/install-onednn.log 2>&1; then
  cat /tmp/install-onednn.log >&2
  exit 1
fi
test -f /usr/include/oneapi/dnnl/dnnl.h
