#!/usr/bin/env bash
# Scale-out (issue 17, O6): submissions/s of POST /api/v1/applications/ (multipart, three 200 KB PDFs, each request
# from its own pre-signed-in external candidate, bench/submit.lua) against ONE `seeg serve` process, then against
# THREE processes on the same PostgreSQL database and the same stores, each with its relay; the client spreads the
# three-process load with one wrk per process (the same connections in all). After each run: the rows counted in SQL
# against the 201 answers, how long the outbox took to drain (the submissions' lake exports and e-mails, run by the
# relays of every process alongside the load), and which process's relay ran how many events.
# Stores: Azurite when it answers on 127.0.0.1:10000 (documents and lake in containers of this run; start it with
# `eval "$(bash .ci/azurite.sh)"`), else local folders shared by the processes; the script says which.
# Prints figures; asserts nothing. The load generator, the processes, PostgreSQL and Azurite share the machine's
# cores: on a 2-core machine three processes add no CPU, only coordination, so expect no gain; compare runs made
# back to back on one machine only.
#   bash bench/scale-out.sh [connections=24] [duration=20s] [candidates-per-run=2500]
# SEEG_BIN=path/to/seeg measures that binary (else `cargo build --release -p seeg-server`); BENCH_POSTGRES_URL as in
# bench/lib.sh (PostgreSQL only: SQLite is one process's).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. bench/lib.sh
connections=${1:-24}
duration=${2:-20s}
candidates=${3:-2500}
pdf_bytes=$((200 * 1024))
export BENCH_BACKEND=postgres
bench_binary
bench_setup

# Azurite's well-known development account (public, documented by Microsoft; not a secret).
azurite_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
if (exec 3<>/dev/tcp/127.0.0.1/10000) 2>/dev/null; then
  stores="Azurite at 127.0.0.1:10000 (documents and lake, containers of this run)"
  connection="AccountName=devstoreaccount1;AccountKey=$azurite_key;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1"
  export APP__STORAGE__KIND=azure APP__STORAGE__AZURE_CONNECTION_STRING=$connection \
    APP__STORAGE__AZURE_CONTAINER="bench-docs-$$" \
    APP__LAKE__KIND=azure APP__LAKE__AZURE_CONNECTION_STRING=$connection APP__LAKE__AZURE_CONTAINER="bench-lake-$$"
else
  stores="local folders shared by the processes (Azurite not running)"
  export APP__LAKE__KIND=local APP__LAKE__PATH=$work/lake
fi
scrape_token=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export APP__LAKE__ENABLED=true APP__OUTBOX__POLL_INTERVAL_MS=100 APP__MONITORING__SCRAPE_TOKEN=$scrape_token

# --- Setup on a server of its own: one signed-up candidate (bcrypt cost 4) copied in SQL, all signed in.
APP__AUTH__BCRYPT_COST=4 start_server
sign_up_template
offer_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
insert_offer "$offer_id"
for run in one three; do clone_candidates "bench-$run" "$candidates"; done
for run in one three; do log_in_candidates "bench-$run" "$candidates" >"tokens-$run.txt"; done
stop_server
body_template "$offer_id" "$pdf_bytes" multipart body.template
content_type="multipart/form-data; boundary=$bench_boundary"

# Processes of a run: their pids and ports.
pids=()
ports=()
start_processes() { # N
  pids=()
  ports=()
  local i p
  for i in $(seq 1 "$1"); do
    p=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    PORT=$p "$bin" serve >>"server-$i.log" 2>&1 &
    pids+=("$!")
    ports+=("$p")
    until curl -fs "http://127.0.0.1:$p/health" >/dev/null; do sleep 0.05; done
  done
}
stop_processes() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_processes; bench_cleanup' EXIT

counts() { # run → "applications documents"
  sql "SELECT count(DISTINCT a.id), count(d.id) FROM applications a JOIN users u ON u.id = a.candidate_id
    LEFT JOIN application_documents d ON d.application_id = a.id WHERE u.email LIKE 'bench-$1-%'" | tr '|' ' '
}

echo "=== POST /api/v1/applications/ on PostgreSQL, multipart, 3 PDFs of $((pdf_bytes / 1024)) KB, $connections" \
  "connections in all, $duration, rate limits off, $APP__HTTP__WORKERS HTTP workers a process; stores: $stores;" \
  "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for run in one three; do
  n=1
  [ "$run" = one ] || n=3
  start_processes "$n"
  # One token file and one wrk per process, the tokens dealt round-robin, the connections shared out.
  for i in $(seq 0 $((n - 1))); do awk -v n="$n" -v i="$i" 'NR % n == i' "tokens-$run.txt" >"tokens-$run-$i.txt"; done
  per=$((connections / n))
  done_before=$(sql "SELECT count(*) FROM outbox_events WHERE state = 'done'")
  started=$(date +%s%N)
  wrks=()
  for i in $(seq 0 $((n - 1))); do
    wrk -t1 -c"$per" -d"$duration" --timeout 30s -s "$bench_dir/submit.lua" "http://127.0.0.1:${ports[$i]}/api/v1/applications/" \
      -- "$PWD/tokens-$run-$i.txt" "$PWD/body.template" raw "$content_type" 1 >"wrk-$run-$i.txt" &
    wrks+=("$!")
  done
  wait "${wrks[@]}"
  loaded=$(date +%s%N)
  rate=$(cat wrk-"$run"-*.txt | awk '$1 == "@@submit" {r += $2; s += $7; c += $8} END {printf "%.1f %d %d", r, s, c}')
  read -r per_second sent created <<<"$rate"
  # The outbox: wait (at most 5 minutes) until nothing is pending, then say how long after the load it took.
  for _ in $(seq 1 3000); do
    [ "$(sql "SELECT count(*) FROM outbox_events WHERE state = 'pending'")" = 0 ] && break
    sleep 0.1
  done
  drained=$(date +%s%N)
  done_now=$(sql "SELECT count(*) FROM outbox_events WHERE state = 'done'")
  read -r applications documents <<<"$(counts "$run")"
  echo "--- $n process(es)"
  echo "  submissions/s (201 answers / elapsed, summed over the wrk of each process): $per_second ($created × 201 of $sent sent)"
  for i in $(seq 0 $((n - 1))); do
    sed -n 's/^  latency of the answered: /  process '"$((i + 1))"' latency: /p' "wrk-$run-$i.txt"
    sed -n 's/^  \(a [0-9]* answer: .*\)/  process '"$((i + 1))"': \1/p' "wrk-$run-$i.txt" | head -2
  done
  echo "  rows (SQL, after the drain: requests in flight when wrk stopped included): $applications applications," \
    "$documents application_documents"
  echo "  outbox: $((done_now - done_before)) events done; drained $(( (drained - loaded) / 1000000 )) ms after the load" \
    "($(( (drained - started) / 1000000 )) ms after it began); now: $(outbox_summary)"
  outbox_errors
  shares=()
  for i in $(seq 0 $((n - 1))); do
    shares+=("process $((i + 1)): $(curl -fs -H "Authorization: Bearer $scrape_token" "http://127.0.0.1:${ports[$i]}/monitoring/metrics" |
      awk '/^seeg_outbox_runs_total/ && /outcome="done"/ {s += $NF} END {printf "%d", s}')")
  done
  echo "  events each relay ran to done (seeg_outbox_runs_total): $(IFS=';'; echo "${shares[*]}" | sed 's/;/; /g')"
  stop_processes
done
