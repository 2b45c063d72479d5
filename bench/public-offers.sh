#!/usr/bin/env bash
# Figures for the public read path on the embedded default (SQLite): start-up time, idle RSS, and throughput and
# latency of GET /api/v1/public/jobs and /health under wrk on loopback. Prints figures; asserts nothing: numbers
# from a shared 2-core machine are noisy, compare runs on the same machine only.
#   bash bench/public-offers.sh [connections=64] [duration=10s]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-64}
duration=${2:-10s}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# SEEG_BIN=path/to/seeg measures that binary (another commit's, for a before/after on one machine).
[ -n "${SEEG_BIN:-}" ] || cargo build --release -q -p seeg-server
bin=${SEEG_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/seeg}

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The public list is rate limited per address (S6): off here, or wrk would measure the 429 path.
export PORT=$port APP__LOG__LEVEL=warn APP__HTTP__WORKERS=2 APP__RATE_LIMIT__ENABLED=false
cd "$work"
"$bin" demo seed >/dev/null

start=$(date +%s%N)
"$bin" serve & pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.005; done
ready=$(( ($(date +%s%N) - start) / 1000000 ))
sleep 1
idle_rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
echo "start-up to first /health answer: ${ready} ms"
echo "idle RSS: $((idle_rss / 1024)) MiB (${idle_rss} KiB)"

for path in /api/v1/public/jobs /health; do
  echo "--- GET $path, $connections connections, $duration, 2 wrk threads"
  wrk -t2 -c"$connections" -d"$duration" --latency "http://127.0.0.1:$port$path" | grep -E 'Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors'
done
echo "RSS after load: $(( $(awk '/VmRSS/ {print $2}' /proc/$pid/status) / 1024 )) MiB"
