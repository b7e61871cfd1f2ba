#!/usr/bin/env bash
# Packs every publishable package as npm would publish it (pnpm pack), installs the tarballs into an empty project
# outside the workspace, then imports each package from Node and type-checks an import of each with tsc.
# Proves the packages are real npm packages, not workspace-only code. Needs `pnpm build` first.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tensorgraft-pack.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tarballs" "$work/app"

names=()
for dir in "$repo"/packages/*/ "$repo"/apps/cli/; do
  [ -f "$dir/package.json" ] || continue
  private="$(node -p "Boolean(require('$dir/package.json').private)")"
  [ "$private" = "false" ] || continue
  names+=("$(node -p "require('$dir/package.json').name")")
  (cd "$dir" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
echo "packed: ${names[*]}"

cd "$work/app"
cat > package.json <<'JSON'
{ "name": "pack-check", "private": true, "type": "module" }
JSON
# Installing all tarballs at once lets npm satisfy the packages' dependencies on each other from them.
npm install --no-fund --no-audit --loglevel=error "$work"/tarballs/*.tgz typescript@5.9.3 @types/node@20 >/dev/null

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
} > check.ts
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "types": ["node"], "outDir": "out" }, "files": ["check.ts"] }
JSON
npx tsc -p tsconfig.json
node out/check.js
echo "pack check: ${#names[@]} packages install and import with their types outside the workspace"
