#!/usr/bin/env bash
# Starts moto's S3-compatible server on 127.0.0.1:10050 when nothing answers there, creates the bucket the tests
# share, and prints the TEST_S3_URL to export. Installs moto[server] with pip into a virtual environment in a
# cache folder once. Fails (never skips) when the server cannot start.
# Usage: eval "$(bash .ci/s3.sh)"
set -euo pipefail
CACHE="${SEEG_CI_CACHE:-$HOME/.cache/seeg-ci}/moto"
DATA="${TMPDIR:-/tmp}/seeg-moto"
PORT="${SEEG_S3_PORT:-10050}"
BUCKET="seeg-tests"
ENDPOINT="http://127.0.0.1:$PORT"

log() { echo "$*" >&2; }

if [ ! -x "$CACHE/venv/bin/moto_server" ]; then
  log "installing moto[server] into $CACHE/venv"
  mkdir -p "$CACHE"
  if ! python3 -m venv "$CACHE/venv" >&2 2>/dev/null; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
    python3 -m venv "$CACHE/venv" >&2
  fi
  "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check 'moto[server]>=5,<6' >&2
fi

answering() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
if ! answering; then
  mkdir -p "$DATA"
  log "starting moto_server on 127.0.0.1:$PORT"
  nohup "$CACHE/venv/bin/moto_server" -H 127.0.0.1 -p "$PORT" >"$DATA/moto.log" 2>&1 &
  for _ in $(seq 1 60); do answering && break; sleep 0.5; done
  answering || { log "moto did not start: $(tail -5 "$DATA/moto.log")"; exit 1; }
fi

# Bucket creation in us-east-1 (moto's default) answers 200 when it exists already: idempotent. moto takes
# unsigned requests.
"$CACHE/venv/bin/python" - "$ENDPOINT/$BUCKET" >&2 <<'PY'
import sys, urllib.request
request = urllib.request.Request(sys.argv[1], method="PUT", data=b"")
with urllib.request.urlopen(request, timeout=10) as answer:
    if answer.status != 200:
        sys.exit(f"bucket creation answered {answer.status}")
PY

echo "export TEST_S3_URL='$ENDPOINT'"
echo "export TEST_S3_BUCKET='$BUCKET'"
