#!/usr/bin/env bash
# Refresh vendor/vega/ from the npm registry (needs npm and network to the registry).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent vega@5.20.2 vega-lite@5.2.0 vega-embed@6.18.2 >/dev/null)
for pkg in vega vega-lite vega-embed; do
  mkdir -p "$tmp/$pkg"
  tar xzf "$tmp"/"$pkg"-[0-9]*.tgz -C "$tmp/$pkg"
  cp "$tmp/$pkg/package/build/$pkg.min.js" vendor/vega/
  cp "$tmp/$pkg/package/LICENSE" "vendor/vega/LICENSE.$pkg"
done
echo "vendor/vega refreshed"
