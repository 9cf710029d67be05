#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance) against
# `memoram-mcp serve --http`, for both protocol revisions it knows: each revision's frozen
# requirement set, run at that revision's wire (2025-11-25 with sessions, 2026-07-28 stateless).
# Failures are judged against conformance-baseline.yml (scenarios that need the suite's own
# fixture server, each with its reason): any other failure, or a baseline entry that now
# passes, fails this script. The server must also shut down cleanly on SIGTERM afterwards.
#
# Builds nothing: run `npm run build` first. The suite needs Node 22, which npx fetches as the
# `node` package; the first run downloads both (cached afterwards).
#
#   scripts/conformance.sh            # both revisions
#   CONFORMANCE_REVISIONS=2026-07-28 scripts/conformance.sh
#   KEEP=1 scripts/conformance.sh     # keep the server log and the suite's results (checks.json)
set -euo pipefail

cd "$(dirname "$0")/.."
SUITE="@modelcontextprotocol/conformance@${CONFORMANCE_VERSION:-0.2.0-alpha.12}"
REVISIONS="${CONFORMANCE_REVISIONS:-2025-11-25 2026-07-28}"
BASELINE="$PWD/conformance-baseline.yml"

if [[ ! -f dist/cli.js ]]; then
  echo "conformance: dist/cli.js is missing; run npm run build first" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/memoram-conformance-XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
  [[ -n "${KEEP:-}" ]] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT

started=$(date +%s)
# --no-token: the suite's `server --url` sends no Authorization header, so with the bearer token
# serve --http now demands by default every check would get 401. Turned off explicitly, and
# harmless here: loopback only, on a throwaway store in $work that lives as long as this run.
MEMORAM_DATA_DIR="$work/data" MEMORAM_CONFIG_DIR="$work/config" MEMORAM_LOG_LEVEL=warn \
  node dist/cli.js serve --http --port 0 --no-token </dev/null 2>"$work/server.log" &
server_pid=$!

url=""
for _ in $(seq 1 200); do
  url="$(grep -o 'http://[^ ]*/mcp' "$work/server.log" || true)"
  [[ -n "$url" ]] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "conformance: the server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$url" ]]; then
  echo "conformance: the server printed no URL within 20 s" >&2
  exit 1
fi
echo "conformance: $SUITE against $url"

status=0
for revision in $REVISIONS; do
  log="$work/conformance-$revision.txt"
  if npx -y -p node@22 -p "$SUITE" -- conformance server --url "$url" --requirements "$revision" \
    --expected-failures "$BASELINE" -o "$work/results-$revision" >"$log" 2>&1; then
    verdict=ok
  else
    verdict=FAILED
    status=1
  fi
  total="$(grep -E '^Total: ' "$log" | tail -1 || true)"
  echo "conformance $revision: $verdict (${total:-no summary})"
  if [[ "$verdict" != ok ]]; then
    # What the baseline did not expect (or the whole log when the suite itself failed).
    sed -n '/Stale baseline entries\|Unexpected failures/,$p' "$log" | grep -v '^$' || tail -40 "$log"
  fi
done

kill -TERM "$server_pid"
if wait "$server_pid"; then
  server_pid=""
else
  echo "conformance: the server did not exit cleanly on SIGTERM:" >&2
  tail -20 "$work/server.log" >&2
  status=1
fi
if grep -q ' error: ' "$work/server.log"; then
  echo "conformance: the server logged errors:" >&2
  grep ' error: ' "$work/server.log" | head -20 >&2
  status=1
fi

echo "conformance: $([[ $status -eq 0 ]] && echo passed || echo FAILED) in $(($(date +%s) - started)) s"
exit "$status"
