#!/usr/bin/env bash
# Schema fuzzing (issue 18): schemathesis against /openapi.json of a real `seeg serve` (debug build, embedded
# SQLite and local folders in a throwaway directory), every operation, once per role (admin, recruiter, observer,
# candidate, each with its own bearer token and freshly seeded objects whose ids most cases use). Fails on any
# 5xx, any status, content type, header or body the OpenAPI does not declare, any request the schema forbids that
# is accepted, and any operation that ignores a missing token. Fixed seed and bounded examples: reproducible, a
# few minutes on two cores. Installs schemathesis (pinned) with pip into a virtual environment in a cache folder
# once.
# Usage: bash .ci/schemathesis.sh        (SCHEMATHESIS_ROLES="admin candidate" to run some roles only)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VERSION="4.32.5"
CACHE="${SEEG_CI_CACHE:-$HOME/.cache/seeg-ci}/schemathesis-venv"
SEED="${SCHEMATHESIS_SEED:-7}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-12}"
ROLES="${SCHEMATHESIS_ROLES:-candidate observer recruiter admin}"

log() { echo "$*" >&2; }
started=$(date +%s)

if [ "$("$CACHE/bin/schemathesis" --version 2>/dev/null)" != "schemathesis, version $VERSION" ]; then
  log "installing schemathesis $VERSION into $CACHE"
  rm -rf "$CACHE"
  mkdir -p "$(dirname "$CACHE")"
  if ! python3 -m venv "$CACHE" >&2 2>/dev/null; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
    python3 -m venv "$CACHE" >&2
  fi
  "$CACHE/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION" >&2
fi

log "building the seeg binary (debug)"
cargo build --quiet -p seeg-server --bin seeg
TARGET="$(cargo metadata --format-version 1 --no-deps | "$CACHE/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
BIN="$TARGET/debug/seeg"

# Reports (NDJSON, every case with its request and response) stay in the target folder for a look after a failure.
REPORTS="$TARGET/schemathesis"
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/seeg-schemathesis.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$("$CACHE/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
BASE="http://127.0.0.1:$PORT"
# Generated for this run only, never written to a file: the accounts' password and the webhook secret (the test
# environment draws its own token-signing key).
PASSWORD="Fz#$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')Aa1"
WEBHOOK_SECRET="$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')"
ADMIN_EMAIL="admin.fuzz@seeg-gabon.com"

# The test environment (config/test.toml: bcrypt cost 4, rate limits (S6) off, as a fuzzer sends hundreds of
# requests a minute from one address, and a fresh signing key), but on the embedded default: SQLite, local folders
# for documents, mail and the lake. The webhook (S9) gets a secret so that its route is fuzzed, not a 404.
log "starting seeg serve on $BASE (data in $WORK)"
(
  cd "$WORK"
  exec env -i PATH="$PATH" HOME="$WORK" APP_ENV=test SEEG_CONFIG_DIR="$ROOT/config" PORT="$PORT" \
    APP__HTTP__WORKERS=2 APP__HTTP__SHUTDOWN_TIMEOUT_SECS=1 APP__LOG__LEVEL=warn \
    APP__DATABASE__URL="sqlite://$WORK/seeg.db?mode=rwc" \
    APP__STORAGE__KIND=local APP__STORAGE__PATH="$WORK/blobs" APP__STORAGE__SWEEP__ENABLED=false \
    APP__LAKE__KIND=local APP__LAKE__PATH="$WORK/lake" \
    APP__MAIL__TRANSPORT=folder APP__MAIL__FOLDER="$WORK/mail" \
    APP__RATE_LIMIT__ENABLED=false \
    APP__WEBHOOK__SECRET="$WEBHOOK_SECRET" \
    BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" BOOTSTRAP_ADMIN_PASSWORD="$PASSWORD" \
    "$BIN" serve
) >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
healthy() {
  "$CACHE/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$BASE/health" \
    >/dev/null 2>&1
}
for _ in $(seq 1 120); do
  healthy && break
  kill -0 "$SERVER_PID" 2>/dev/null || { log "seeg exited: $(tail -20 "$WORK/server.log")"; exit 1; }
  sleep 0.5
done
healthy || { log "seeg did not answer: $(tail -20 "$WORK/server.log")"; exit 1; }

export SEEG_FUZZ_PASSWORD="$PASSWORD" SEEG_FUZZ_ADMIN_EMAIL="$ADMIN_EMAIL" SEEG_FUZZ_WEBHOOK_SECRET="$WEBHOOK_SECRET" \
  SEEG_FUZZ_DB="$WORK/seeg.db"
"$CACHE/bin/python" .ci/schemathesis/seed.py accounts "$BASE" "$WORK/accounts.json"

status=0
summary=""
total=0
for role in $ROLES; do
  log ""
  log "=== schemathesis as $role"
  config="$WORK/$role.toml"
  "$CACHE/bin/python" .ci/schemathesis/seed.py world "$BASE" "$WORK/accounts.json" "$role" "$config"
  cat .ci/schemathesis/checks.toml >>"$config"
  # shellcheck disable=SC1090 # the ids the hooks read, written by seed.py
  . "$config.env"
  report="$REPORTS/$role.ndjson"
  # One worker: with two, schemathesis' threads sometimes broke Hypothesis' lambda parsing on Python 3.11 (an
  # internal "AST constructor recursion depth mismatch", no request sent), and one is fast enough here.
  set +e
  "$CACHE/bin/schemathesis" --config-file "$config" run "$BASE/openapi.json" \
    --seed "$SEED" --max-examples "$EXAMPLES" --generation-database none \
    --workers 1 --request-timeout 15 --no-color --suppress-health-check all \
    --report ndjson --report-ndjson-path "$report" --output-truncate true
  code=$?
  set -e
  cases="$("$CACHE/bin/python" .ci/schemathesis/count.py "$report")"
  total=$((total + cases))
  summary="$summary$(printf '%-10s %6s cases  %s' "$role" "$cases" "$([ "$code" = 0 ] && echo ok || echo FAILED)")\n"
  [ "$code" = 0 ] || status=1
done

if grep -q "panicked" "$WORK/server.log"; then
  log "the server panicked:"; grep -A5 "panicked" "$WORK/server.log" >&2; status=1
fi
printf '\n=== schema fuzzing summary (seed %s, %s examples per operation and phase)\n' "$SEED" "$EXAMPLES" >&2
printf '%b' "$summary" >&2
printf 'total      %6s cases in %s s\n' "$total" "$(($(date +%s) - started))" >&2
if [ "$total" -lt 2000 ]; then log "fewer than 2000 cases: the fuzzing no longer covers the API"; status=1; fi
exit "$status"
