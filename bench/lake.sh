#!/usr/bin/env bash
# The data-lake export under a burst (K4, R41–R42): exactly 1 000 submissions (POST /api/v1/applications/,
# multipart, three PDFs each, 1 000 distinct external candidates spread over OFFERS offers) sent as fast as
# CONNECTIONS keep-alive connections allow, then measured until the outbox has drained. Each submission commits its
# application with an `application.submitted` (and a `mail.send`) outbox event; the relay of the same process runs
# the export (LakeExportHandler: 3 JSON + the PDFs into the lake, a local folder here) and the e-mails (folder).
# Prints:
#   - submissions/s of the burst (1 000 / time from the first request sent to the last answer);
#   - per kind, exports (`application.submitted`) and confirmation e-mails (`mail.send`): how many are done, the
#     rate from the first request to the last one done (processed_at in outbox_events, SQL), and how many were done
#     by the end of the burst (the rate at which side effects keep up while submissions still arrive);
#   - events pending and done per kind over time, every 2 s;
#   - the outbox lag: oldest_pending_age (now − the oldest pending event's created_at, what GET
#     /api/v1/admin/outbox and `seeg outbox status` report) sampled every 250 ms from the first request to the
#     drain: max and p50;
#   - the lake's object count against what the exports write: per submission its fact, its candidate's dimension
#     and its PDFs, plus one dimension per offer (an offer's dim_job_offers key is the same for all its
#     applications of the day, R41, so it is rewritten, not added): 1 000 × (2 + 3) + OFFERS objects, for
#     1 000 × (3 + 3) writes;
#   - the server's peak RSS (VmHWM) over the burst and the drain.
# Setup (bench/lib.sh): BENCH_BACKEND=postgres (default: a scratch database) or sqlite (the embedded default, the
# sampler reading the file alongside the server), SEEG_BIN or the release build, candidates cloned in SQL and signed in
# beforehand on a server of their own, so the measured server starts fresh. Asserts nothing but the counts it
# prints: a shared 2-core machine is noisy, compare runs made on the same machine only. Not part of `cargo test`.
#   bash bench/lake.sh [connections=32] [relay-batch-size=32] [offers=1] [pdf-kib=200]
# The relay's other settings come from the environment as usual (APP__OUTBOX__CONCURRENCY=1 for one handler at a
# time, APP__OUTBOX__POLL_INTERVAL_MS, …).
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) must let the script create a database.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
connections=${1:-32}
batch_size=${2:-32}
offers=${3:-1}
pdf_kib=${4:-200}
submissions=1000

bench_setup

# --- Setup, on a server of its own (its work is not in the peak below).
APP__AUTH__BCRYPT_COST=4 start_server
sign_up_template
clone_candidates bench-lake "$submissions"
log_in_candidates bench-lake "$submissions" >tokens.txt
stop_server
for k in $(seq 1 "$offers"); do
  offer_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
  insert_offer "$offer_id"
  body_template "$offer_id" $((pdf_kib * 1024)) multipart "body-$k.template"
done

# --- The burst and the drain, on a fresh server.
export APP__LAKE__ENABLED=true APP__LAKE__KIND=local APP__LAKE__PATH=$work/lake APP__OUTBOX__BATCH_SIZE=$batch_size
start_server
echo "=== $submissions submissions (multipart, 3 PDFs of $pdf_kib KiB) over $offers offer(s), $connections connections," \
  "relay batch $batch_size, relay concurrency ${APP__OUTBOX__CONCURRENCY:-8 (default)}, $(bench_backend), documents and lake in" \
  "local folders, rate limits off"
echo "  idle RSS after start: $(mib "$(kib VmRSS)")"
python3 - "$port" "$(bench_backend)" "${db_file:-$db_url}" "$connections" "$submissions" "$bench_boundary" tokens.txt \
  body-*.template <<'PY'
import http.client, sqlite3, statistics, subprocess, sys, threading, time

port, backend, database, connections, total, boundary = (int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]),
                                                          int(sys.argv[5]), sys.argv[6])
tokens = open(sys.argv[7]).read().split()
assert len(tokens) >= total, f"{len(tokens)} tokens for {total} submissions"
templates = []
for path in sys.argv[8:]:
    with open(path, "rb") as f:
        templates.append(f.read().split(b"@@TAG@@"))
content_type = f"multipart/form-data; boundary={boundary}"

# Seconds since 1970 of a stored timestamp, and now, in each database's dialect (SQLite keeps RFC 3339 text).
if backend == "sqlite":
    epoch = lambda column: f"(julianday({column}) - 2440587.5) * 86400.0"
    now = epoch("'now'")
    reader = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=60, check_same_thread=False)
    def sql(query):
        return "|".join("" if v is None else str(v) for v in reader.execute(query).fetchone())
else:
    epoch = lambda column: f"extract(epoch FROM {column})"
    now = epoch("now()")
    def sql(query):
        return subprocess.run(["psql", "-qAt", database, "-c", query], check=True, capture_output=True, text=True).stdout.strip()

KINDS = {"exports": "application.submitted", "e-mails": "mail.send"}
counts = ", ".join(f"count(*) FILTER (WHERE kind = '{kind}' AND state = '{state}')"
                   for kind in KINDS.values() for state in ("pending", "done", "dead"))
SAMPLE = (f"SELECT coalesce({now} - min({epoch('created_at')}) FILTER (WHERE state = 'pending'), 0), {counts}"
          " FROM outbox_events")

# The sampler, every 250 ms until the drain: the oldest pending event's age (what GET /api/v1/admin/outbox and
# `seeg outbox status` report) and, per kind, the events pending, done and dead.
samples, drained = [], threading.Event()
def sample():
    try:
        poll()
    except Exception as error:  # a failed query: say so rather than wait for the deadline
        print(f"  the sampler stopped: {error}")
        drained.set()

def poll():
    while not drained.is_set():
        row = sql(SAMPLE).split("|")
        age, n = float(row[0]), [int(v) for v in row[1:]]
        samples.append((time.time() - start, age, n))
        exports_settled = n[1] + n[2]
        mails_settled = n[4] + n[5]
        if burst_over.is_set() and exports_settled >= created[0] and mails_settled >= created[0]:
            drained.set()
            break
        time.sleep(0.25)

lock, next_index, statuses, created, errors = threading.Lock(), [0], {}, [0], []
burst_over = threading.Event()
def send():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    while True:
        with lock:
            i = next_index[0]
            next_index[0] += 1
        if i >= total:
            return
        pieces = templates[i % len(templates)]
        body = f"{i:012d}".encode().join(pieces)
        headers = {"Authorization": f"Bearer {tokens[i]}", "Content-Type": content_type}
        conn.request("POST", "/api/v1/applications/", body, headers)
        answer = conn.getresponse()
        data = answer.read()
        with lock:
            statuses[answer.status] = statuses.get(answer.status, 0) + 1
            if answer.status == 201:
                created[0] += 1
            elif len(errors) < 3:
                errors.append(f"{answer.status} {data[:300]!r}")

start = time.time()
sampler = threading.Thread(target=sample)
sampler.start()
senders = [threading.Thread(target=send) for _ in range(connections)]
for t in senders:
    t.start()
for t in senders:
    t.join()
burst = time.time() - start
burst_over.set()
print(f"  burst: {total} submissions sent, answers {dict(sorted(statuses.items()))} in {burst:.1f} s")
for error in errors:
    print(f"  a refused submission: {error}")
print(f"  submissions/s (201 answers / burst time): {created[0] / burst:.1f}")
deadline = time.time() + 3600
while not drained.wait(1):
    if time.time() > deadline:
        drained.set()
        print("  the outbox did not drain within an hour: the figures below cover what was done")
sampler.join()
during = [s for s in samples if s[0] <= burst]
for k, (name, kind) in enumerate(KINDS.items()):
    last_done, done = sql(f"SELECT coalesce(max({epoch('processed_at')}), 0), count(*) FROM outbox_events"
                          f" WHERE kind = '{kind}' AND state = 'done'").split("|")
    finished = float(last_done) - start
    by_burst_end = during[-1][2][3 * k + 1] if during else 0
    print(f"  {name} ({kind}) done: {done}; last one {finished:.1f} s after the first request: {int(done) / finished:.1f}/s"
          f" overall; {by_burst_end} done by the end of the burst ({by_burst_end / burst:.1f}/s while it lasted)")
if samples:
    print(f"  outbox lag, oldest pending age over {len(samples)} samples (every 250 ms): "
          f"max {max(s[1] for s in samples):.1f} s, p50 {statistics.median(s[1] for s in samples):.1f} s")
    print("  over time (s since the first request: pending exports / e-mails, done exports / e-mails):")
    line, shown = [], -2.0
    for t, _, n in samples:
        if t - shown >= 2 or n[0] + n[3] == 0 and t == samples[-1][0]:
            line.append(f"{t:.0f}s {n[0]}/{n[3]} {n[1]}/{n[4]}")
            shown = t
    for i in range(0, len(line), 6):
        print("    " + "; ".join(line[i:i + 6]))
PY
echo "  peak RSS (VmHWM) of the server: $(mib "$(kib VmHWM)"); RSS now $(mib "$(kib VmRSS)")"
stop_server
applications=$(sql "SELECT count(*) FROM applications")
lake_objects=$(find lake -type f | wc -l)
expected=$((applications * (2 + 3) + offers))
echo "  lake: $lake_objects objects for $applications applications (expected $applications × (2 + 3 PDFs) + $offers" \
  "offer dimension(s) = $expected; $((applications * 6)) writes) — $([ "$lake_objects" -eq "$expected" ] && echo ok || echo MISMATCH)"
echo "  outbox at the end: $(outbox_summary)"
outbox_errors
echo "  server warnings: $(grep -c WARN server.log || true) lines in its log"
