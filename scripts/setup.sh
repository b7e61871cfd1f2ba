#!/usr/bin/env bash
# Everything a fresh machine needs: the pinned pnpm, node packages, a build, and the TensorFlow oracle's venv.
set -euo pipefail
cd "$(dirname "$0")/.."
want_pnpm="$(node -p "require('./package.json').packageManager.split('@')[1]")"
if [ "$(pnpm --version 2>/dev/null || true)" != "$want_pnpm" ]; then
  npm install --global --no-fund --no-audit "pnpm@$want_pnpm"
fi
# --pm-on-fail=ignore: pnpm 12 also tries to record its own per-platform binary package (@pnpm/exe.*) for the pin in
# the lockfile, which the registry here does not serve; the pin itself is enforced just above.
# oneDNN from Debian, before the build: @tensorgraft/graph's native convolutions link against it (optional elsewhere).
bash scripts/install-onednn.sh
pnpm install --frozen-lockfile --pm-on-fail=ignore
pnpm build
bash interop/setup
# Debian's chromium, for the TensorBoard page screenshot in the interop suite.
bash scripts/install-chromium.sh
# SeaweedFS, the S3-compatible server the storage tests run against (built once, cached in ~/.cache/tensorgraft).
bash scripts/build-seaweedfs.sh
