#!/usr/bin/env bash
# Runs the test suite under other Node versions than the machine's own (22 and 24 by default).
#
# Each version gets a copy of the working tree in a temp folder, its own node_modules, and its own
# Node from the npm package node-linux-<arch>@<version>, which holds both the binary and the
# headers. The native SQLite module is compiled for the Node that loads it: node-gyp is pointed at
# that version's headers through npm_config_nodedir (a machine's npmrc may point it at the system
# Node's). Nothing here names the native module: `npm ci` builds whichever the lockfile has.
#
#   scripts/node-matrix.sh [VERSION...]   e.g. scripts/node-matrix.sh 24
#   NODE_MATRIX_COMMAND='npx vitest run test/store' scripts/node-matrix.sh 24
#   NODE_MATRIX_DIR=/tmp/matrix keeps the copies there (reused on the next run) instead of a temp dir
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24)
command=${NODE_MATRIX_COMMAND:-npm test}

case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-matrix: no node-linux package for $(uname -m)" >&2; exit 1 ;;
esac

if [ -n "${NODE_MATRIX_DIR:-}" ]; then
  work=$NODE_MATRIX_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d "${TMPDIR:-/tmp}/memoram-node-matrix.XXXXXX")
  trap 'rm -rf "$work"' EXIT
fi

failed=()
for version in "${versions[@]}"; do
  started=$(date +%s)
  runtime=$work/node$version/runtime
  copy=$work/node$version/repo
  echo "== Node $version: preparing $copy" >&2
  npm install --prefix "$runtime" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
    "node-linux-$arch@$version" >&2
  home=$runtime/node_modules/node-linux-$arch

  # The working tree as git sees it (tracked and untracked files, minus ignored ones), so local
  # changes are tested too; a clean clone gives exactly the commit.
  rm -rf "$copy" "$work/node$version/test.log" && mkdir -p "$copy"
  (cd "$repo" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' file; do [ -e "$file" ] && printf '%s\0' "$file"; done |
    tar --null -T - -cf -) | tar -xf - -C "$copy"

  (
    cd "$copy"
    export PATH="$home/bin:$PATH" npm_config_nodedir="$home"
    echo "== Node $version: $(node -v) at $(command -v node); npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
    prepared=$(date +%s)
    echo "== Node $version: $command" >&2
    status=0
    # The output is kept so a failure can be told again at the end, where a truncated CI log shows it.
    bash -c "$command" 2>&1 | tee "$work/node$version/test.log" || status=$?
    echo "== Node $version: prepared in $((prepared - started)) s, tests took $(($(date +%s) - prepared)) s, exit $status" >&2
    exit "$status"
  ) || failed+=("$version")
done

if [ ${#failed[@]} -gt 0 ]; then
  for version in "${failed[@]}"; do
    echo "== Node $version: what failed" >&2
    if [ ! -f "$work/node$version/test.log" ]; then
      echo "(no test output: the install before the tests failed, see above)" >&2
      continue
    fi
    # vitest's summary of the failures, without colours; the last lines if it never got that far.
    log=$(sed 's/\x1b\[[0-9;]*m//g' "$work/node$version/test.log")
    if grep -q 'Failed Tests' <<<"$log"; then
      sed -n '/Failed Tests/,$p' <<<"$log" | tail -150 >&2
    else
      tail -40 <<<"$log" >&2
    fi
  done
  echo "node-matrix: failed on Node ${failed[*]}" >&2
  exit 1
fi
echo "node-matrix: passed on Node ${versions[*]}" >&2
