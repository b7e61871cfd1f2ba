#!/usr/bin/env bash
# The packages as a user gets them from npm. Packs every publishable package (pnpm pack), then, outside the workspace:
#   esm:   a TypeScript NodeNext ES-module project: every package imported and type-checked (also with
#          `moduleResolution: node10`, subpath entry points included), every source map's sources shipped,
#          examples/ compiled with tsc and run, every ```ts block of the READMEs and SPECs
#          (scripts/pack-check/code-blocks.mjs) type-checked and run;
#   cjs:   a plain `npm init -y` project (CommonJS): every package require()d, the examples and the code blocks run
#          with tsx as written;
#   saver: the saver installed without @tensorgraft/graph (an optional peer): its root entry works without it.
# The examples' outputs are checked against TensorFlow's (scripts/pack-check/check-examples.mjs). One npm cache,
# kept between runs ($TENSORGRAFT_NPM_CACHE), serves the three installs. Needs `pnpm build` first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
here="$repo/scripts/pack-check"
work="$(mktemp -d /tmp/tensorgraft-pack.XXXXXX)"
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
phase() { echo "pack check: $* ($(( $(date +%s) - start ))s)"; }
export npm_config_cache="${TENSORGRAFT_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tensorgraft/npm}"
npm_install() { npm install --no-fund --no-audit --prefer-offline --loglevel=error "$@" >/dev/null; }
# What a user adds beside our packages (pinned: the versions the workspace builds and tests with).
tfjs=@tensorflow/tfjs@4.22.0
typescript=typescript@5.9.3
types_node=@types/node@20
tsx=tsx@4.23.15

mkdir -p "$work/tarballs" "$work/esm" "$work/cjs" "$work/saver"
names=()
for dir in "$repo"/packages/*/ "$repo"/apps/cli/; do
  [ -f "$dir/package.json" ] || continue
  private="$(node -p "Boolean(require('$dir/package.json').private)")"
  [ "$private" = "false" ] || continue
  names+=("$(node -p "require('$dir/package.json').name")")
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
phase "packed ${names[*]}"
tarball() { ls "$work"/tarballs/tensorgraft-"$1"-*.tgz; }

# The files the documents' code blocks name, all written by TensorFlow (fixtures/): a meta graph + checkpoint (the
# MLP) under the names the READMEs use, its GraphDef, and the CNN and MLP models the mixer mixes.
sandbox="$work/sandbox"
mkdir -p "$sandbox/cnn" "$sandbox/mlp"
for f in "$repo"/fixtures/models/mlp/model.ckpt.*; do
  cp "$f" "$sandbox/mlp/"
  cp "$f" "$sandbox/"
  cp "$f" "$sandbox/$(basename "$f" | sed 's/^model\.ckpt/model.ckpt-1000/')"
done
cp "$repo"/fixtures/models/cnn/model.ckpt.* "$sandbox/cnn/"
cp "$repo/fixtures/graphs/mlp.pb" "$sandbox/frozen.pb"
node "$here/code-blocks.mjs" "$repo" "$work/blocks"

# --- esm: TypeScript, NodeNext, "type": "module"
cd "$work/esm"
echo '{ "name": "pack-check-esm", "private": true, "type": "module" }' > package.json
# Installing all tarballs at once lets npm satisfy the packages' dependencies on each other from them.
npm_install "$work"/tarballs/*.tgz "$tfjs" "$typescript" "$types_node"
phase "esm project installed"
mkdir -p src blocks examples
{
  for n in "${names[@]}"; do echo "import * as m_$(echo "$n" | tr -c 'a-z0-9\n' '_') from '$n';"; done
  echo "const loaded: Record<string, number> = {"
  for n in "${names[@]}"; do echo "  '$n': Object.keys(m_$(echo "$n" | tr -c 'a-z0-9\n' '_')).length,"; done
  echo "};"
  echo "for (const [name, count] of Object.entries(loaded)) if (count === 0) throw new Error(name + ' exports nothing');"
  echo "console.log(JSON.stringify(loaded));"
  # The typed API as a user's code sees it through the published .d.ts: a decode view's fields.
  cat <<'TS'
import { decodeView, encodeMessage, tensorflow } from '@tensorgraft/proto';
const graphBytes = encodeMessage(
  tensorflow.GraphDef,
  tensorflow.GraphDef.create({ node: [{ name: 'a', op: 'Const', attr: { T: { type: tensorflow.DataType.DT_FLOAT } } }] }),
);
const graphView = decodeView(tensorflow.GraphDef, graphBytes);
const nodeName: string = graphView.node[0].name;
const nodeType: tensorflow.DataType = graphView.node[0].attr.T.type;
if (nodeName !== 'a' || nodeType !== tensorflow.DataType.DT_FLOAT) throw new Error('decodeView read wrong values');
TS
} > src/check.ts
# Every subpath entry point, as a `moduleResolution: node10` user imports it (typesVersions).
cat > src/node10.ts <<'TS'
import { BundleReader } from '@tensorgraft/bundle-io';
import { SafetensorsReader } from '@tensorgraft/bundle-io/lite';
import { SummaryWriter } from '@tensorgraft/events-writer';
import { Graph } from '@tensorgraft/graph';
import { opSupport } from '@tensorgraft/graph/op-support';
import { mix } from '@tensorgraft/mixer';
import { tensorflow } from '@tensorgraft/proto';
import { maskedCrc32c } from '@tensorgraft/proto/wire';
import { dtypeInfo } from '@tensorgraft/proto/lite';
import { tfCheckpoint } from '@tensorgraft/saver';
import { GraphSaver } from '@tensorgraft/saver/graph';
import { main } from '@tensorgraft/cli';
const crc: number = maskedCrc32c(new Uint8Array([1, 2, 3]));
const saver: GraphSaver = new GraphSaver(new Graph());
const support: ReturnType<typeof opSupport> = opSupport(new Graph());
const itemSize: number = dtypeInfo('float32').itemSize;
export const used = [BundleReader, SafetensorsReader, SummaryWriter, mix, tensorflow.GraphDef, tfCheckpoint, main, crc, saver, support, itemSize];
TS
cp "$repo"/examples/*.ts examples/
cp "$work"/blocks/*.ts blocks/
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "skipLibCheck": true, "types": ["node"], "outDir": "out", "rootDir": "." },
  "include": ["src/check.ts", "examples/*.ts", "blocks/*.ts"] }
JSON
cat > tsconfig.node10.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "CommonJS", "moduleResolution": "node10", "strict": true,
  "skipLibCheck": true, "types": ["node"], "noEmit": true }, "files": ["src/node10.ts"] }
JSON
npx tsc -p tsconfig.json
npx tsc -p tsconfig.node10.json
phase "esm: packages, $(ls examples | wc -l) examples and $(ls blocks | wc -l) code blocks type-check (NodeNext); subpaths resolve with node10"
node out/src/check.js
node "$here/source-maps.mjs"
cp "$here/check-examples.mjs" .
node check-examples.mjs "$repo" "$work/esm-examples" node "$work/esm/out/examples/{name}.js"
node "$here/run-blocks.mjs" "$work/blocks/blocks.json" "$sandbox" "$work/esm-blocks" node "$work/esm/out/blocks/{name}.js"
phase "esm: examples and code blocks ran"

# --- cjs: `npm init -y` (CommonJS), the examples and blocks run as written with tsx
cd "$work/cjs"
npm init -y >/dev/null
npm_install "$work"/tarballs/*.tgz "$tfjs" "$tsx"
phase "cjs project installed"
node -e "for (const n of process.argv.slice(1)) if (Object.keys(require(n)).length === 0) throw new Error(n)" "${names[@]}"
cp "$here/check-examples.mjs" .
mkdir -p examples blocks
cp "$repo"/examples/*.ts examples/
cp "$work"/blocks/*.ts blocks/
node check-examples.mjs "$repo" "$work/cjs-examples" "$work/cjs/node_modules/.bin/tsx" "$work/cjs/examples/{name}.ts"
node "$here/run-blocks.mjs" "$work/blocks/blocks.json" "$sandbox" "$work/cjs-blocks" "$work/cjs/node_modules/.bin/tsx" \
  "$work/cjs/blocks/{name}.ts"
phase "cjs: every package require()d; examples and code blocks ran with tsx"

# --- saver without @tensorgraft/graph
cd "$work/saver"
echo '{ "name": "pack-check-saver", "private": true }' > package.json
npm_install "$(tarball proto)" "$(tarball bundle-io)" "$(tarball saver)" "$tfjs"
cp "$here/saver-only.mjs" . && node saver-only.mjs
phase "saver alone checked"
echo "pack check: ${#names[@]} packages in three fresh npm projects; npm cache $(du -sh "$npm_config_cache" | cut -f1) at $npm_config_cache"
