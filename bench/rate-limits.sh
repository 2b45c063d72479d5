#!/usr/bin/env bash
# What the rate limiter costs per request (S6, O5): GET /health and the public offer list on SQLite, wrk 2 threads
# and 64 connections for --duration (default 5s) each, with the limits off, on with counters in the process, and on
# with counters in Redis (--redis URL; a binary that knows rate_limit.redis_url). The quotas are set far above the
# load (every request is counted, none refused: a 429 would be cheaper than the work measured).
# Usage: [SEEG_BIN=path/to/seeg] bash bench/rate-limits.sh [--duration 5s] [--redis redis://127.0.0.1:6379]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"
duration=5s
redis=
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --redis) redis=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
bench_binary
export BENCH_BACKEND=sqlite
bench_setup

run() { # label, then the settings of that run as NAME=VALUE
  local label=$1 rate
  shift
  env "$@" "$bin" serve >>server.log 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.02; done
  for path in /health /api/v1/public/jobs; do
    rate=$(wrk -t2 -c64 -d"$duration" --latency "http://127.0.0.1:$port$path" |
      awk '/Requests\/sec/ {r=$2} /^ +99%/ {p=$2} /Non-2xx/ {n=$5} END {printf "%s req/s, p99 %s, non-2xx %s", r, p, n+0}')
    printf '  %-34s %-22s %s\n' "$label" "$path" "$rate"
  done
  stop_server
}

quota='["100000000/minute"]'
on=(APP__RATE_LIMIT__ENABLED=true "APP__RATE_LIMIT__DEFAULT=$quota")
echo "binary $bin, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
run "limits off" APP__RATE_LIMIT__ENABLED=false
run "limits on, in process" "${on[@]}"
[ -z "$redis" ] || run "limits on, in Redis" "${on[@]}" "APP__RATE_LIMIT__REDIS_URL=$redis" \
  "APP__RATE_LIMIT__REDIS_KEY_PREFIX=bench:$$:"
