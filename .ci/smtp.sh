#!/usr/bin/env bash
# Makes Python's aiosmtpd available for the SMTP tests and prints the TEST_SMTP_PYTHON to export: the Python of a
# virtual environment in a cache folder, created once, with aiosmtpd installed. The tests start and stop the
# server themselves (tests/smtp/server.py), so nothing is left running. Fails (never skips) when it cannot.
# Usage: eval "$(bash .ci/smtp.sh)"
set -euo pipefail
CACHE="${SEEG_CI_CACHE:-$HOME/.cache/seeg-ci}/aiosmtpd"

log() { echo "$*" >&2; }

if ! "$CACHE/venv/bin/python" -c 'import aiosmtpd' >/dev/null 2>&1; then
  log "installing aiosmtpd into $CACHE/venv"
  mkdir -p "$CACHE"
  if ! python3 -m venv "$CACHE/venv" >&2 2>/dev/null; then
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
    python3 -m venv "$CACHE/venv" >&2
  fi
  "$CACHE/venv/bin/pip" install --quiet --disable-pip-version-check 'aiosmtpd>=1.4,<2' >&2
fi
"$CACHE/venv/bin/python" -c 'import aiosmtpd' || { log "aiosmtpd is not importable from $CACHE/venv"; exit 1; }

echo "export TEST_SMTP_PYTHON='$CACHE/venv/bin/python'"
