#!/usr/bin/env bash
# Builds SeaweedFS's `weed` (the real S3-compatible server the storage tests run against) once, into
# ~/.cache/tensorgraft/weed. Its module has replace directives, so `go install pkg@version` refuses it: download the
# module through the Go module proxy, build in a writable copy. About 3.5 minutes on 2 cores; a no-op when cached.
set -euo pipefail
version=v0.0.0-20261109003541-7506e5f91cd6
cache="${TENSORGRAFT_CACHE:-$HOME/.cache/tensorgraft}"
out="$cache/weed"
stamp="$cache/weed.version"
if [ -x "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  exit 0
fi
export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null; then
  # A fresh machine: Debian's Go (the module needs a recent toolchain; GOTOOLCHAIN=auto fetches the one go.mod names
  # from the module proxy).
  apt-get update -qq && apt-get install -y -qq golang-go >/dev/null
fi
export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
mkdir -p "$cache"
dir="$(go mod download -json "github.com/seaweedfs/seaweedfs@$version" | node -e \
  'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).Dir))')"
work="$(mktemp -d)"
trap 'chmod -R u+w "$work"; rm -rf "$work"' EXIT
cp -r "$dir/." "$work/src"
chmod -R u+w "$work/src"
(cd "$work/src" && go build -o "$out.tmp" ./weed)
mv "$out.tmp" "$out"
echo "$version" >"$stamp"
echo "built $out"
