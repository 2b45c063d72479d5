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

cat > submit.lua <<'LUA'
-- args: tokens file, body template, tag encoding (raw|base64), Content-Type, wrk threads.
-- Thread k (from 0) sends the candidates k+1, k+1+threads, …: each token once; then it stops.
local threads, next_id = {}, 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s) -- #s a multiple of 3
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + b * 256 + c
    for shift = 18, 0, -6 do
      local v = math.floor(n / 2 ^ shift) % 64
      out[#out + 1] = alphabet:sub(v + 1, v + 1)
    end
  end
  return table.concat(out)
end

function init(args)
  tokens = {}
  for line in io.lines(args[1]) do tokens[#tokens + 1] = line end
  local f = assert(io.open(args[2], "rb"))
  local template = f:read("*a")
  f:close()
  pieces = {}
  local from = 1
  while true do
    local s, e = template:find("@@TAG@@", from, true)
    if not s then break end
    pieces[#pieces + 1] = template:sub(from, s - 1)
    from = e + 1
  end
  pieces[#pieces + 1] = template:sub(from)
  encoding, content_type, stride = args[3], args[4], tonumber(args[5])
  nxt = id + 1
  probe = id == 0
  sent, fillers, statuses, samples = 0, 0, {}, {}
end

local function submission(i)
  local tag = string.format("%012d", i)
  if encoding == "base64" then tag = b64(tag) end
  local body = {}
  for k = 1, #pieces - 1 do
    body[#body + 1] = pieces[k]
    body[#body + 1] = tag
  end
  body[#body + 1] = pieces[#pieces]
  local headers = { ["Authorization"] = "Bearer " .. tokens[i], ["Content-Type"] = content_type }
  return wrk.format("POST", "/api/v1/applications/", headers, table.concat(body))
end

function request()
  if nxt > #tokens then
    -- Out of candidates: stop this thread; a connection already asking gets a harmless GET /health.
    fillers = fillers + 1
    wrk.thread:stop()
    return wrk.format("GET", "/health")
  end
  if probe then
    -- wrk calls request() once on its first thread to check the script, and sends nothing: keep the token.
    probe = false
    return submission(nxt)
  end
  local i = nxt
  nxt = nxt + stride
  sent = sent + 1
  return submission(i)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= 200 and status ~= 201 and not samples[status] then samples[status] = body:sub(1, 300) end
end

function done(summary, latency, requests)
  local sent_total, fillers_total, answered, created, by_status, samples_all = 0, 0, 0, 0, {}, {}
  for _, thread in ipairs(threads) do
    sent_total = sent_total + thread:get("sent")
    fillers_total = fillers_total + thread:get("fillers")
    for status, n in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + n
    end
    for status, body in pairs(thread:get("samples")) do samples_all[status] = body end
  end
  local codes = {}
  for status, n in pairs(by_status) do
    if status ~= 200 then answered = answered + n end -- 200: the GET /health fillers only
    if status == 201 then created = n end
    if status ~= 201 and status ~= 200 then codes[#codes + 1] = string.format("%d × %d", n, status) end
  end
  table.sort(codes)
  local seconds = summary.duration / 1e6
  io.write(string.format("  submissions sent: %d; answered: %d (201: %d; other: %s) in %.1f s\n", sent_total, answered,
    created, #codes > 0 and table.concat(codes, ", ") or "none", seconds))
  io.write(string.format("  submissions/s (201 answers / elapsed): %.1f\n", created / seconds))
  io.write(string.format("  latency of the answered: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  for status, body in pairs(samples_all) do
    io.write(string.format("  a %d answer: %s\n", status, body))
  end
  if fillers_total > 0 then
    io.write(string.format("  ran out of candidates: stopped early (%d GET /health fillers, not counted);" ..
      " submissions/s above is a lower bound\n", fillers_total))
  end
  if summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout > 0 then
    io.write(string.format("  socket errors: connect %d, read %d, write %d, timeout %d\n", summary.errors.connect,
      summary.errors.read, summary.errors.write, summary.errors.timeout))
  end
end
LUA

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
  wrk -t2 -c"$connections" -d"$duration" --timeout 30s -s submit.lua "http://127.0.0.1:$port/api/v1/applications/" \
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
