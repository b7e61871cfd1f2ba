#!/usr/bin/env bash
# The main job, on its embedded defaults: the demo (apps/demo). A VGG-16 in TF-slim's layout saved as a TensorFlow
# checkpoint, loaded back, mixed with a new head under name scopes, the head fine-tuned behind a stop-gradient
# boundary; checkpoints and TensorBoard logs go to demo-out/ (the demo prints where, and how to open TensorBoard).
# Extra arguments go to the demo (see `node apps/demo/dist/main.js --help`). Needs scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node apps/demo/dist/main.js "$@"
