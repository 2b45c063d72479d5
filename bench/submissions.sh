#!/usr/bin/env bash
# Application submissions on PostgreSQL: submissions/s of POST /api/v1/applications/ with three 200 KB
# PDFs (cv, cover_letter, diplome), once as multipart/form-data (documents streamed to storage, B1) and once as the
# JSON body with base64 documents, and the server's peak RSS (VmHWM) under that load, each mode on a fresh server
# so each peak is its own. Storage is the default local folder (storage.kind = local, a temp dir). Every
# submission comes from its own external candidate (one application per candidate and offer): the accounts are
# cloned in SQL from one signed-up account (its bcrypt hash computed once, at cost 4) and signed in through the
# API beforehand; wrk gives each request a token never used before and PDFs of its own (their bytes carry the
# request's number, so content-addressed storage dedupes nothing). After each run the applications and
# application_documents rows are counted in SQL against the requests sent. Prints figures; asserts nothing: a
# shared 2-core machine is noisy, compare runs made on the same machine only.
#   bash bench/submissions.sh [connections=32] [duration=20s] [candidates-per-mode=3000]
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) must let the script create a database.
# A mode that runs out of candidates stops early and says so: its submissions/s is then a lower bound (wrk still
# counts the whole duration); give it more candidates.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
connections=${1:-32}
duration=${2:-20s}
candidates=${3:-3000}
pdf_bytes=$((200 * 1024))

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
bench_setup

# --- Setup, on a server of its own (its work is not in the peaks below).
# One signed-up external candidate gives the row (and the bcrypt hash, cost 4) that 2 × $candidates accounts copy.
APP__AUTH__BCRYPT_COST=4 start_server
sign_up_template
offer_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
insert_offer "$offer_id"
for mode in multipart base64; do clone_candidates "bench-$mode" "$candidates"; done
login_start=$(date +%s%N)
for mode in multipart base64; do log_in_candidates "bench-$mode" "$candidates" >"tokens-$mode.txt"; done
echo "setup: $((2 * candidates)) external candidates (SQL copies of one signed-up account) signed in through the API" \
  "in $(( ($(date +%s%N) - login_start) / 1000000 )) ms"
stop_server

# --- The bodies (bench/lib.sh body_template), one per mode.
for mode in multipart base64; do body_template "$offer_id" "$pdf_bytes" "$mode" "body-$mode.template"; done


counts() { # mode → "applications documents" of that mode's candidates
  sql "SELECT count(DISTINCT a.id), count(d.id) FROM applications a JOIN users u ON u.id = a.candidate_id
    LEFT JOIN application_documents d ON d.application_id = a.id WHERE u.email LIKE 'bench-$1-%'" | tr '|' ' '
}

echo "=== POST /api/v1/applications/ on PostgreSQL, 3 PDFs of $((pdf_bytes / 1024)) KB each, storage.kind = local" \
  "(a temp dir), $connections connections, $duration per mode, 2 wrk threads, rate limits off"
for mode in multipart base64; do
  if [ "$mode" = multipart ]; then
    content_type="multipart/form-data; boundary=$bench_boundary"
    encoding=raw
  else
    content_type="application/json"
    encoding=base64
  fi
  start_server
  sleep 1
  echo "--- $mode ($(stat -c %s "body-$mode.template") bytes a request), fresh server"
  echo "  idle RSS after start: $(mib "$(kib VmRSS)") (VmHWM $(mib "$(kib VmHWM)"))"
  wrk -t2 -c"$connections" -d"$duration" --timeout 30s -s "$bench_dir/submit.lua" "http://127.0.0.1:$port/api/v1/applications/" \
    -- "$PWD/tokens-$mode.txt" "$PWD/body-$mode.template" "$encoding" "$content_type" 2 | sed -n '/^  submissions sent/,$p'
  sleep 2 # requests still in flight when wrk stopped may finish: the rows below count them
  echo "  peak RSS (VmHWM) of the server: $(mib "$(kib VmHWM)"); RSS now $(mib "$(kib VmRSS)")"
  read -r applications documents <<<"$(counts "$mode")"
  echo "  rows created (SQL): $applications applications, $documents application_documents" \
    "($(du -sm blobs | cut -f1) MiB in storage so far)"
  # The relay sends the submissions' e-mails (folder transport, in the temp dir) from the same process, alongside.
  echo "  outbox so far: $(outbox_summary)"
  outbox_errors
  echo "  server warnings so far: $(grep -c WARN server.log || true) lines in its log; the most frequent:"
  grep WARN server.log | sed -E 's/^.*WARN[^a-zA-Z]*//; s/[0-9a-f-]{36}/…/g' | cut -c1-140 | sort | uniq -c | sort -rn | head -3 || true
  stop_server
done
