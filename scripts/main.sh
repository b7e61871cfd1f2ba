#!/usr/bin/env bash
# The main job, on embedded defaults: tensorgraft on files real TensorFlow wrote (fixtures/). Needs scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
tg() { echo "\$ tensorgraft $*"; node apps/cli/dist/bin.js "$@"; echo; }
tg graph fixtures/graphs/cnn.meta
