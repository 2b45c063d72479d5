#!/usr/bin/env bash
# Recruitment analytics (B5) with 100 000 status-history rows, on the embedded default (SQLite) and on PostgreSQL:
# the time of GET /api/v1/analytics/funnel, /time-to-hire and /stage-durations (each one statement computed by the
# database), p50 / p99 / max of N sequential requests on one kept-alive connection as an administrator, after 3
# warm-up requests; unfiltered, for one offer (job_offer_id), and for one month of submissions (from/to).
# Seeded set-based, the server stopped: 20 offers in 5 departments, 25 000 applications (1 250 cloned candidates ×
# 20 offers) submitted over 2026, and their history, 4 rows each on average (25 000 submissions + 75 000 moves):
#   n % 4 = 0  incubation, entretien_programme, simulation_programmee, embauche   (5 rows: hired)
#   n % 4 = 1  incubation, entretien_programme, refuse                            (4 rows)
#   n % 4 = 2  incubation, retiree                                                (3 rows)
#   n % 4 = 3  incubation, entretien_programme, simulation_programmee             (4 rows: in progress)
# each move 1 to 14 days (and some hours) after the previous one.
# Prints figures; asserts nothing: a shared 2-core machine is noisy, compare runs made on the same machine only.
#   bash bench/analytics.sh [--backend sqlite|postgres|both] [--runs 50]
# SEEG_BIN=path/to/seeg measures that binary (else `cargo build --release -p seeg-server`); BENCH_POSTGRES_URL as
# in bench/lib.sh. Results are also written to bench/results/analytics-<date>.txt.
#
# Figures, 2026-12-06, b5a1b73, release, 2 vCPU shared with other builds (load 4-5; BENCHMARKS.md "Analytics"),
# p50 / p99 of 50 runs, SQLite then PostgreSQL: funnel 174 / 370 and 84 / 163 ms; time to hire 67 / 72 and
# 36 / 68 ms; stage durations 406 / 546 and 274 / 477 ms; for one offer or one month, 3 to 40 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. bench/lib.sh

backend=both
runs=50
usage() { sed -n '/^#   bash/p' "$0" | sed 's/^# *//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --backend) backend=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
backends=$(bench_backends "$backend")
candidates=1250
offer_count=20

bench_binary
mkdir -p bench/results
out=$root/bench/results/analytics-$(date -u +%Y%m%d-%H%M%S).txt

# Applications (every bench candidate × every offer) and their history, straight into SQLite or through COPY.
seed_history() {
  if [ "$(bench_backend)" = sqlite ]; then
    sql "SELECT hex(id) FROM users WHERE email GLOB 'bench-[0-9]*@example.com' ORDER BY email" >candidates.txt
    sql "SELECT hex(id) FROM job_offers ORDER BY id" >offers.txt
  else
    sql "SELECT id FROM users WHERE email ~ '^bench-[0-9]+@example[.]com$' ORDER BY email" >candidates.txt
    sql "SELECT id FROM job_offers ORDER BY id" >offers.txt
  fi
  python3 - "$(bench_backend)" "${db_file:-}" <<'PY'
import csv, json, random, sys, uuid
from datetime import datetime, timedelta, timezone

backend, db_file = sys.argv[1], sys.argv[2]
# UUIDs as PostgreSQL writes them, or as the 16 bytes the server stores in SQLite (read back with hex()).
read_id = (lambda text: text) if backend == "postgres" else bytes.fromhex
candidates = [read_id(line.strip()) for line in open("candidates.txt") if line.strip()]
offers = [read_id(line.strip()) for line in open("offers.txt") if line.strip()]
rng = random.Random(5)
paths = [
    ["incubation", "entretien_programme", "simulation_programmee", "embauche"],
    ["incubation", "entretien_programme", "refuse"],
    ["incubation", "retiree"],
    ["incubation", "entretien_programme", "simulation_programmee"],
]
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
answers = json.dumps({"reponses_metier": ["R1", "R2"], "reponses_talent": ["T"]})
applications, history = [], []
n = 0
for candidate in candidates:
    for offer in offers:
        application = uuid.uuid4()
        path = paths[n % 4]
        submitted = start + timedelta(seconds=rng.randrange(365 * 86400), microseconds=rng.randrange(10**6))
        at = submitted
        history.append((uuid.uuid4(), application, None, "candidature", at))
        previous = "candidature"
        for status in path:
            at += timedelta(days=rng.randint(1, 14), hours=rng.randrange(24), microseconds=rng.randrange(10**6))
            history.append((uuid.uuid4(), application, previous, status, at))
            previous = status
        applications.append((application, candidate, offer, previous, submitted, at))
        n += 1
if backend == "sqlite":
    import sqlite3
    db = sqlite3.connect(db_file, timeout=60)
    stamp = lambda t: t.isoformat(timespec="microseconds")
    with db:
        db.executemany("INSERT INTO applications (id, candidate_id, job_offer_id, status, has_been_manager, mtp_answers,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
            [(a.bytes, c, o, s, answers, stamp(t), stamp(u)) for a, c, o, s, t, u in applications])
        db.executemany("INSERT INTO application_history (id, application_id, changed_by, previous_status, new_status,"
            " notes, changed_at) VALUES (?, ?, NULL, ?, ?, NULL, ?)",
            [(h.bytes, a.bytes, p, s, stamp(t)) for h, a, p, s, t in history])
    db.execute("ANALYZE")
else:
    with open("applications.csv", "w", newline="") as f:
        w = csv.writer(f)
        for a, c, o, s, t, u in applications:
            w.writerow([a, c, o, s, "false", answers, t.isoformat(), u.isoformat()])
    with open("history.csv", "w", newline="") as f:
        w = csv.writer(f)
        for h, a, p, s, t in history:
            w.writerow([h, a, "" if p is None else p, s, t.isoformat()])
print(f"{len(applications)} applications, {len(history)} history rows", file=sys.stderr)
PY
  if [ "$(bench_backend)" = postgres ]; then
    # psql reads a backslash command to the end of its line.
    psql -q "$db_url" -c "\copy applications (id, candidate_id, job_offer_id, status, has_been_manager, mtp_answers, created_at, updated_at) FROM 'applications.csv' WITH (FORMAT csv)"
    psql -q "$db_url" -c "\copy application_history (id, application_id, previous_status, new_status, changed_at) FROM 'history.csv' WITH (FORMAT csv)"
    psql -q "$db_url" -c "VACUUM ANALYZE applications" -c "VACUUM ANALYZE application_history"
  fi
}

# time_requests TOKEN PATH...: for each path, p50 / p99 / max of $runs sequential requests (after 3 warm-ups).
time_requests() {
  python3 - "$port" "$runs" "$@" <<'PY'
import http.client, sys, time

port, runs, token, paths = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4:]
conn = http.client.HTTPConnection("127.0.0.1", port)
def get(path, accept="application/json"):
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}", "Accept": accept})
    answer = conn.getresponse()
    body = answer.read()
    if answer.status != 200:
        sys.exit(f"{path}: {answer.status} {body[:200]!r}")
    return body
for path in paths:
    accept = "application/json"
    if path.startswith("csv:"):
        path, accept = path[4:], "text/csv"
    for _ in range(3):
        body = get(path, accept)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        get(path, accept)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    pick = lambda q: times[min(len(times) - 1, int(q * len(times)))]
    kind = " (CSV)" if accept == "text/csv" else ""
    print(f"  GET {path}{kind:<7} p50 {pick(0.5):7.1f} ms  p99 {pick(0.99):7.1f} ms  max {times[-1]:7.1f} ms"
          f"  ({len(body)} bytes)")
PY
}

run_backend() {
  export BENCH_BACKEND=$1
  bench_setup
  SEEG_ADMIN_PASSWORD=$bench_password "$bin" admin create --email bench-admin@example.com \
    --first-name Bench --last-name Admin >/dev/null
  start_server
  sign_up_template
  stop_server
  local departments=("Direction de l''Eau" "Direction Commerciale" "Direction Financière" "Direction des Systèmes d''Information" "")
  for i in $(seq 1 "$offer_count"); do
    local id
    id=$(printf '11111111-1111-4111-8111-%012d' "$i")
    insert_offer "$id"
    local dept=${departments[$((i % 5))]}
    local key="'$id'"
    [ "$(bench_backend)" = postgres ] || key="X'${id//-/}'"
    if [ -n "$dept" ]; then
      sql "UPDATE job_offers SET title = 'Offre $i', department = '$dept' WHERE id = $key"
    else
      sql "UPDATE job_offers SET title = 'Offre $i', department = NULL WHERE id = $key"
    fi
  done
  clone_candidates bench "$candidates"
  seed_history
  start_server
  local token
  token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench-admin@example.com","password":"'"$bench_password"'"}' |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  local offer=11111111-1111-4111-8111-000000000007
  echo "--- $(bench_backend): $(sql "SELECT count(*) FROM applications") applications," \
    "$(sql "SELECT count(*) FROM application_history") history rows; $runs runs each, load $(cut -d' ' -f1-3 /proc/loadavg)"
  time_requests "$token" \
    /api/v1/analytics/funnel \
    "/api/v1/analytics/funnel?job_offer_id=$offer" \
    "/api/v1/analytics/funnel?from=2026-06-01&to=2026-06-30" \
    /api/v1/analytics/time-to-hire \
    "/api/v1/analytics/time-to-hire?job_offer_id=$offer" \
    "/api/v1/analytics/time-to-hire?from=2026-06-01&to=2026-06-30" \
    csv:/api/v1/analytics/time-to-hire \
    /api/v1/analytics/stage-durations \
    "/api/v1/analytics/stage-durations?from=2026-06-01&to=2026-06-30"
  curl -fs -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/analytics/time-to-hire" |
    python3 -c 'import json, sys; o = json.load(sys.stdin)["overall"]; print("  time to hire, overall:", o)'
  echo "  server warnings logged: $(grep -c . server.log || true)"
  bench_cleanup
  trap - EXIT
  cd "$root"
}

{
  echo "analytics benchmark, $(date -u +'%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), binary $SEEG_BIN"
  for b in $backends; do run_backend "$b"; done
} 2>&1 | tee "$out"
