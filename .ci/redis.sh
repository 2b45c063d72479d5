#!/usr/bin/env bash
# Makes a Redis answer on 127.0.0.1:6379 for the shared rate-limit tests (O5) and prints the TEST_REDIS_URL to
# export: the machine's Redis when it answers, else redis-server started here (installed from Debian's packages
# when absent), keeping nothing on disk. Fails (never skips) when it cannot.
# Usage: eval "$(bash .ci/redis.sh)"
set -euo pipefail
URL="redis://127.0.0.1:6379"

log() { echo "$*" >&2; }
answers() { command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]; }

if ! answers; then
  if ! command -v redis-server >/dev/null 2>&1; then
    log "installing redis-server"
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
  fi
  log "starting redis-server on 127.0.0.1:6379"
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes >&2
  for _ in $(seq 1 30); do answers && break; sleep 1; done
fi
answers || { log "Redis is not answering on 127.0.0.1:6379"; exit 1; }
echo "export TEST_REDIS_URL='$URL'"
