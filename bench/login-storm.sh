#!/usr/bin/env bash
# Logins/s and the latency of GET /health while a storm of logins runs: bcrypt (cost 12) runs on the
# blocking pool, so the async workers stay free for everything else. Prints figures; asserts nothing (a shared
# 2-core machine is noisy: compare runs made on the same machine).
#   bash bench/login-storm.sh [login-connections=16] [duration=15s]
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-16}
duration=${2:-15s}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
# SEEG_BIN=path/to/seeg measures that binary (another commit's, for a before/after on one machine).
[ -n "${SEEG_BIN:-}" ] || cargo build --release -q -p seeg-server
bin=${SEEG_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/seeg}

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PORT=$port APP__LOG__LEVEL=warn APP__HTTP__WORKERS=2 APP__RATE_LIMIT__ENABLED=false
cd "$work"
"$bin" serve & pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$work"' EXIT
until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.02; done

curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/auth/signup" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"Motdepasse#2026","first_name":"Bench","last_name":"Mark","date_of_birth":"1990-01-01","sexe":"F","candidate_status":"externe"}'

cat > login.lua <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"bench@example.com","password":"Motdepasse#2026"}'
LUA

echo "--- baseline GET /health, 16 connections, 5s"
wrk -t1 -c16 -d5s --latency "http://127.0.0.1:$port/health" | grep -E 'Requests/sec|50%|99%'

echo "--- login storm: $connections connections, $duration (bcrypt cost 12), with GET /health alongside"
wrk -t1 -c"$connections" -d"$duration" -s login.lua --latency "http://127.0.0.1:$port/api/v1/auth/login" > storm.txt &
storm=$!
sleep 2
wrk -t1 -c16 -d10s --latency "http://127.0.0.1:$port/health" | grep -E 'Requests/sec|50%|90%|99%' | sed 's/^/  health during storm: /'
wait $storm
grep -E 'Requests/sec|50%|99%|Non-2xx' storm.txt | sed 's/^/  logins: /'
