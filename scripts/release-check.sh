#!/usr/bin/env bash
# The release flow, rehearsed on a temporary copy of the repository (the tree is not modified): `changeset version`
# (versions bumped, each package's CHANGELOG.md written from the pending changesets), then what `changeset publish`
# does, dry: each publishable package packed by pnpm (workspace: ranges become the new versions) and given to
# `npm publish --dry-run`. Checks every tarball carries its README, LICENSE and CHANGELOG at the new version and no
# workspace: range. Needs `pnpm build` first (dist/ is copied as it is).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tensorgraft-release.XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo" "$work/tarballs"
# repository/homepage/bugs and the READMEs' links all derive from the root package.json's repository URL
node "$repo/scripts/check-metadata.mjs" "$repo"
tar -C "$repo" --exclude=node_modules --exclude=./.git --exclude=./interop/.venv --exclude=.turbo --exclude=./docs/api \
  --exclude='*.tgz' -cf - . | tar -C "$work/repo" -xf -
# the changeset CLI and its changelog generator, from the workspace
ln -s "$repo/node_modules" "$work/repo/node_modules"
cd "$work/repo"
pending=$(find .changeset -name '*.md' ! -name README.md | wc -l)
node_modules/.bin/changeset version >/dev/null

count=0
for dir in packages/*/ apps/cli/; do
  [ "$(node -p "Boolean(require('./$dir/package.json').private)")" = "false" ] || continue
  name="$(node -p "require('./$dir/package.json').name")"
  version="$(node -p "require('./$dir/package.json').version")"
  [ -f "$dir/CHANGELOG.md" ] || { echo "release check: $name has no CHANGELOG.md after changeset version" >&2; exit 1; }
  grep -q "^## $version\$" "$dir/CHANGELOG.md" || { echo "release check: $name's CHANGELOG has no $version" >&2; exit 1; }
  tarball="$(cd "$dir" && pnpm pack --pack-destination "$work/tarballs" | tail -1)"
  listing="$(tar -tzf "$tarball")"
  for f in package.json README.md LICENSE CHANGELOG.md; do
    grep -qx "package/$f" <<<"$listing" || { echo "release check: $name's tarball lacks $f" >&2; exit 1; }
  done
  packed="$(tar -xzOf "$tarball" package/package.json)"
  if grep -q '"workspace:' <<<"$packed"; then echo "release check: $name's tarball has a workspace: range" >&2; exit 1; fi
  out="$(npm publish --dry-run --no-fund --no-audit "$tarball" 2>&1)" || { echo "$out" >&2; exit 1; }
  grep -q "^+ $name@$version\$" <<<"$out" || { echo "release check: npm publish --dry-run of $name:\n$out" >&2; exit 1; }
  echo "release check: $name@$version would publish ($(grep 'total files' <<<"$out" | sed 's/.*total files: //') files)"
  count=$((count + 1))
done
echo "release check: changeset version consumed $pending changesets; $count packages pass npm publish --dry-run"
