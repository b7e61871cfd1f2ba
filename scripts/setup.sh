#!/usr/bin/env bash
# Everything a fresh machine needs: the pinned pnpm, node packages, a build, and the TensorFlow oracle's venv.
set -euo pipefail
cd "$(dirname "$0")/.."
want_pnpm="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$want_pnpm" ]; then
  npm install --global --no-fund --no-audit "pnpm@$want_pnpm"
fi
pnpm install --frozen-lockfile
pnpm build
bash interop/setup
