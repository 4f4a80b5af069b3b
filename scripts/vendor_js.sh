#!/usr/bin/env bash
# Vendor the JavaScript the static book needs, so pages load with no CDN and no network:
# the ipywidgets embed manager with require.js (widgets), and MathJax 3 (equations).
# Fetches pinned npm packages, checks their sha256, and extracts what the pages use
# into DEST (default _vendor/, copied to the site root by html_extra_path).
set -euo pipefail
dest=${1:-_vendor}
declare -A SHA=(
  [jupyter-widgets-html-manager-1.0.6.tgz]=6c198ceb99ba7e7526990a1de16e8147ad7d3a714e3fb06741183623c04b5f6e
  [requirejs-2.3.4.tgz]=583693b373f6ab0528ea6644fab5cdb5822011c9b5b1ff1615590d5f2f473dcd
  [mathjax-3.2.2.tgz]=1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09
)
command -v npm >/dev/null || { echo "vendor_js: npm is needed to fetch the book's JavaScript" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent @jupyter-widgets/html-manager@1.0.6 requirejs@2.3.4 mathjax@3.2.2 >/dev/null)
for f in "${!SHA[@]}"; do
  echo "${SHA[$f]}  $tmp/$f" | sha256sum --check --quiet - || { echo "vendor_js: checksum mismatch for $f" >&2; exit 1; }
done
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/jupyter-widgets" "$dest.tmp/mathjax"
tar -xzf "$tmp/jupyter-widgets-html-manager-1.0.6.tgz" -O package/dist/embed-amd.js > "$dest.tmp/jupyter-widgets/embed-amd.js"
tar -xzf "$tmp/requirejs-2.3.4.tgz" -O package/require.js > "$dest.tmp/require.js"
tar -xzf "$tmp/mathjax-3.2.2.tgz" -C "$tmp" package/es5/tex-mml-chtml.js package/es5/output/chtml \
    package/es5/input/tex/extensions package/LICENSE
cp -r "$tmp/package/es5/." "$dest.tmp/mathjax/" && cp "$tmp/package/LICENSE" "$dest.tmp/mathjax/"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "vendored widget and MathJax JavaScript into $dest/"
