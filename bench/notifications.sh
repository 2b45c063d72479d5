#!/usr/bin/env bash
# SSE fan-out (B3) on PostgreSQL: N streams of one candidate open on `seeg serve` (release), the server's RSS
# before and with them open, then R notifications (status changes of the candidate's application, each through
# the API: refused by an administrator, reopened, and again), each timed from the request that writes it to its
# arrival on every stream: p50/p99/max per stream and to all streams. The client is tests/examples/sse_fanout.rs.
# Asserts nothing: the client, the server and PostgreSQL share one 2-core machine, so these figures are noisy;
# compare runs on one machine only. The latency includes the status change request itself (its commit).
#   bash bench/notifications.sh [streams=1000] [notifications=20]
# BENCH_POSTGRES_URL and SEEG_BIN as in bench/lib.sh.
#
# Figures: 2026-12-05, commit 4cb3526 + the stream bounds, 2 vCPU AMD EPYC, 24 GB, PostgreSQL 15 local;
# `bash bench/notifications.sh 1000 20` (APP__HTTP__WORKERS=2; the client, the server and PostgreSQL on the same
# 2 cores):
#   streams open: 1000 in 428.2 ms (2335/s)
#   server RSS: 44.2 MiB before, 58.2 MiB with 1000 streams open (14.4 KiB per stream)
#   one notification to 1000 streams, 20 notifications (20000 deliveries):
#     per stream   p50 8.8 ms  p99 16.6 ms  max 17.7 ms
#     to all       p50 12.0 ms  p99 17.7 ms  max 17.7 ms
#   server peak RSS (VmHWM): 58.4 MiB
# Same machine, commit 0cb3b5e (each SSE stream driven by a task of its own over a 16-frame queue, so that a client
# that stops reading is let go; page-at-a-time re-reads):
#   streams open: 1000 in 663.5 ms (1507/s)
#   server RSS: 45.9 MiB before, 61.8 MiB with 1000 streams open (16.2 KiB per stream)
#     per stream   p50 14.0 ms  p99 23.3 ms  max 26.4 ms
#     to all       p50 18.8 ms  p99 26.4 ms  max 26.4 ms
#   server peak RSS (VmHWM): 63.4 MiB
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
streams=${1:-1000}
rounds=${2:-20}
repo=$PWD

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
cargo build --release -q -p seeg-tests --example sse_fanout
client=${CARGO_TARGET_DIR:-$repo/target}/release/examples/sse_fanout
export APP__AUTH__BCRYPT_COST=4 APP__NOTIFICATIONS__MAX_STREAMS_PER_ACCOUNT=$((streams + 10))
bench_setup

SEEG_ADMIN_PASSWORD=$bench_password "$bin" admin create --email bench-admin@example.com \
  --first-name Bench --last-name Admin >/dev/null
start_server
sign_up_template
offer=11111111-1111-4111-8111-000000000001
insert_offer "$offer"
application=22222222-2222-4222-8222-000000000001
sql "INSERT INTO applications (id, candidate_id, job_offer_id, status, has_been_manager, mtp_answers, created_at, updated_at)
  SELECT '$application', id, '$offer', 'incubation', false, '{}', now(), now() FROM users
  WHERE email = 'bench-template@example.com'"
token() {
  curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"'"$1"'","password":"'"$bench_password"'"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
candidate=$(token bench-template@example.com)
admin=$(token bench-admin@example.com)

echo "seeg $(git -C "$repo" rev-parse --short HEAD), $streams streams, $rounds notifications, PostgreSQL, workers=$APP__HTTP__WORKERS"
"$client" "http://127.0.0.1:$port" "$pid" "$candidate" "$admin" "$admin" "$application" "$streams" "$rounds"
warnings=$(grep -c -i 'warn\|error' server.log || true)
echo "server log warnings/errors: $warnings"
