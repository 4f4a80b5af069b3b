#!/usr/bin/env bash
# Vendor the ipywidgets JavaScript so the book serves it itself (no CDN at read time).
# Fetches two pinned npm packages, checks their sha256, and extracts the two files
# the static pages need into DEST (default _widgets/, copied by html_extra_path).
set -euo pipefail
dest=${1:-_widgets}
declare -A SHA=(
  [jupyter-widgets-html-manager-1.0.6.tgz]=6c198ceb99ba7e7526990a1de16e8147ad7d3a714e3fb06741183623c04b5f6e
  [requirejs-2.3.4.tgz]=583693b373f6ab0528ea6644fab5cdb5822011c9b5b1ff1615590d5f2f473dcd
)
command -v npm >/dev/null || { echo "vendor_widgets: npm is needed to fetch the widget JavaScript" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @jupyter-widgets/html-manager@1.0.6 requirejs@2.3.4 >/dev/null)
for f in "${!SHA[@]}"; do
  echo "${SHA[$f]}  $tmp/$f" | sha256sum --check --quiet - || { echo "vendor_widgets: checksum mismatch for $f" >&2; exit 1; }
done
mkdir -p "$dest/jupyter-widgets"
tar -xzf "$tmp/jupyter-widgets-html-manager-1.0.6.tgz" -O package/dist/embed-amd.js > "$dest/jupyter-widgets/embed-amd.js"
tar -xzf "$tmp/requirejs-2.3.4.tgz" -O package/require.js > "$dest/require.js"
echo "vendored widget JavaScript into $dest/"
