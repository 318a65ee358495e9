#!/usr/bin/env bash
# Refresh the web UI's vendored front-end assets from their npm packages at the pinned versions below.
# Each lands in gateway/dmb_gateway/web/static/vendor/<package>@<version>/ and is committed: the gateway
# serves them itself, so no page ever loads anything from another host. axe-core goes to libs/testing/dmb_testing/vendor/.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=gateway/dmb_gateway/web/static/vendor
CACHE="${HOME}/.cache/dmb/npm"
mkdir -p "$CACHE"

# package@version followed by the files to keep (paths inside the package).
ASSETS=(
  "bootstrap@5.3.8 dist/css/bootstrap.min.css dist/js/bootstrap.bundle.min.js"
  "bootstrap-icons@1.13.2 font/bootstrap-icons.min.css font/fonts/bootstrap-icons.woff2 font/fonts/bootstrap-icons.woff"
  "htmx.org@2.0.8 dist/htmx.min.js"
  "htmx-ext-sse@2.2.4 dist/sse.min.js"
  "axe-core@4.11.0 axe.min.js"
)
#: Only for the browser tests: never served by the gateway.
TEST_ONLY="axe-core"
TEST_VENDOR=libs/testing/dmb_testing/vendor

for entry in "${ASSETS[@]}"; do
  read -r spec files <<<"$entry"
  name="${spec%@*}"
  tarball="$CACHE/$(npm pack "$spec" --silent --pack-destination "$CACHE" | tail -n 1)"
  target="$VENDOR/$spec"
  if [ "$name" = "$TEST_ONLY" ]; then target="$TEST_VENDOR/$spec"; fi
  rm -rf "$target"
  mkdir -p "$target"
  for file in $files; do
    mkdir -p "$target/$(dirname "$file")"
    tar -xzf "$tarball" -O "package/$file" >"$target/$file"
  done
  tar -xzf "$tarball" -O package/LICENSE >"$target/LICENSE" 2>/dev/null || tar -xzf "$tarball" -O package/LICENSE.txt >"$target/LICENSE" 2>/dev/null || rm -f "$target/LICENSE"
  echo "vendored $spec ($name)"
done
