#!/usr/bin/env bash
# Figures for the staff read paths of interviews and evaluations on PostgreSQL: 10 000 applications
# (candidates cloned in SQL, 3 offers), about 3 000 interview slots (distinct date and time, 1 in 10 cancelled,
# 2 in 10 completed) and 4 000 protocol-1 / 2 000 protocol-2 evaluations, all seeded set-based in SQL; then wrk,
# with an administrator's token, on
#   GET /api/v1/interviews/slots?limit=50
#   GET /api/v1/interviews/slots?limit=50&date_from=2027-02-15&status=scheduled
#   GET /api/v1/evaluations/stats/overview
# Prints req/s, latency percentiles and non-2xx counts; asserts nothing: numbers from a shared 2-core machine (wrk
# and PostgreSQL on the same cores) are noisy, compare runs on the same machine only.
#   bash bench/interviews.sh [connections=64] [duration=10s]
# BENCH_POSTGRES_URL and SEEG_BIN as in bench/lib.sh.
#
# Figures (no BENCHMARKS.md at the repository root, so here): 2026-12-05, commit 42a0d15 + this script, 2 vCPU AMD
# EPYC, 24 GB, PostgreSQL 15.20 local, wrk 4.1.0; `SEEG_BIN=target/release/seeg bash bench/interviews.sh`
# (64 connections, 10 s, 2 threads, APP__HTTP__WORKERS=2). wrk, the server and PostgreSQL share the same 2 cores, so
# these are noisy (two back-to-back runs differed by ~5 % on the first path): compare runs on one machine only.
#   seeded: 10000 applications, 3 offers, 3000 slots (2100 scheduled, 600 completed, 300 cancelled),
#           4000 protocol-1 and 2000 protocol-2 evaluations
#   GET /interviews/slots?limit=50                                        1040 req/s  p50 60.3 ms  p99 85.8 ms  non-2xx 0
#   GET /interviews/slots?limit=50&date_from=2027-02-15&status=scheduled  1326 req/s  p50 47.6 ms  p99 65.7 ms  non-2xx 0
#       (total 1155 matching)
#   GET /evaluations/stats/overview                                       1365 req/s  p50 45.5 ms  p99 68.5 ms  non-2xx 0
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
connections=${1:-64}
duration=${2:-10s}
applications=10000
slots=3000
p1_count=4000
p2_count=2000

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
export APP__AUTH__BCRYPT_COST=4
bench_setup

# The administrator: the CLI (S1), password from the environment.
SEEG_ADMIN_PASSWORD=$bench_password "$bin" admin create --email bench-admin@example.com \
  --first-name Bench --last-name Admin >/dev/null
start_server
sign_up_template
admin_id=$(sql "SELECT id FROM users WHERE email = 'bench-admin@example.com'")

offers=(11111111-1111-4111-8111-000000000001 11111111-1111-4111-8111-000000000002 11111111-1111-4111-8111-000000000003)
for offer in "${offers[@]}"; do insert_offer "$offer"; done
clone_candidates bench "$applications"

# One application per cloned candidate, spread over the offers; numbered (n) in the order of the candidates.
sql "INSERT INTO applications (id, candidate_id, job_offer_id, status, has_been_manager, mtp_answers, created_at, updated_at)
  SELECT gen_random_uuid(), u.id,
    (ARRAY['${offers[0]}', '${offers[1]}', '${offers[2]}']::uuid[])[1 + n % 3],
    (ARRAY['pending', 'reviewed', 'interview'])[1 + n % 3], false,
    '{\"reponses_metier\": [\"R1\", \"R2\"], \"reponses_talent\": [\"T\"]}',
    now() - n * interval '1 minute', now()
  FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users WHERE email ~ '^bench-[0-9]+@example[.]com$') AS u"
numbered="(SELECT a.id, row_number() OVER (ORDER BY a.created_at DESC, a.id) AS n, u.first_name || ' ' || u.last_name AS name,
  o.title FROM applications a JOIN users u ON u.id = a.candidate_id JOIN job_offers o ON o.id = a.job_offer_id)"

# Slots: 30 a day (every 15 min from 08:00) from 2027-01-01, each (date, time) once; one application each.
sql "INSERT INTO interview_slots (id, application_id, candidate_name, job_title, date, time, status, is_available,
    location, notes, recruiter_id, sequence, created_at, updated_at)
  SELECT gen_random_uuid(), a.id, a.name, a.title,
    to_char(date '2027-01-01' + (a.n - 1)::int / 30, 'YYYY-MM-DD'),
    to_char(time '08:00' + ((a.n - 1) % 30) * interval '15 minutes', 'HH24:MI:SS'),
    CASE WHEN a.n % 10 = 0 THEN 'cancelled' WHEN a.n % 10 IN (1, 2) THEN 'completed' ELSE 'scheduled' END,
    false, 'Siège SEEG, Libreville', NULL, '$admin_id', 0, now(), now()
  FROM $numbered AS a WHERE a.n <= $slots"

# Evaluations: scores in hundredths (0..2000), overall_score always set.
sql "INSERT INTO protocol1_evaluations (id, application_id, evaluator_id, status, completed, documents_verified,
    cv_score, diplomes_certificats_score, lettre_motivation_score, documentary_score, metier_score, paradigme_score,
    talent_score, mtp_score, interview_score, gap_competence_score, adherence_metier, adherence_paradigme,
    adherence_talent, overall_score, total_score, general_summary, created_at, updated_at)
  SELECT gen_random_uuid(), a.id, '$admin_id',
    (ARRAY['pending', 'in_progress', 'completed'])[1 + a.n % 3], a.n % 3 = 2, a.n % 2 = 0,
    s[1], s[2], s[3], (s[1] + s[2] + s[3]) / 3, s[4], s[5], s[6], (s[4] + s[5] + s[6]) / 3, s[7], s[8],
    a.n % 2 = 0, a.n % 3 = 0, a.n % 5 = 0, s[9], s[9], 'Synthèse', now(), now()
  FROM $numbered AS a,
    LATERAL (SELECT array_agg((random() * 2000)::int) AS s FROM generate_series(1, 9) WHERE a.n > 0) AS r
  WHERE a.n <= $p1_count"
sql "INSERT INTO protocol2_evaluations (id, application_id, evaluator_id, completed, interview_completed,
    physical_visit, skills_gap_assessed, job_sheet_created, qcm_role_completed, qcm_codir_completed,
    qcm_role_score, qcm_codir_score, overall_score, created_at, updated_at)
  SELECT gen_random_uuid(), a.id, '$admin_id', a.n % 2 = 0, a.n % 3 <> 0, a.n % 4 = 0, a.n % 5 <> 0, a.n % 6 = 0,
    true, a.n % 2 = 0, (random() * 2000)::int, (random() * 2000)::int, (random() * 2000)::int, now(), now()
  FROM $numbered AS a WHERE a.n <= $p2_count"
sql "ANALYZE"

echo "seeded: $(sql "SELECT format('%s applications, %s offers, %s slots (%s scheduled, %s completed, %s cancelled),
  %s protocol-1 and %s protocol-2 evaluations', (SELECT count(*) FROM applications), (SELECT count(*) FROM job_offers),
  count(*), count(*) FILTER (WHERE status = 'scheduled'), count(*) FILTER (WHERE status = 'completed'),
  count(*) FILTER (WHERE status = 'cancelled'), (SELECT count(*) FROM protocol1_evaluations),
  (SELECT count(*) FROM protocol2_evaluations)) FROM interview_slots")"

token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench-admin@example.com","password":"'"$bench_password"'"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

for path in "/api/v1/interviews/slots?limit=50" "/api/v1/interviews/slots?limit=50&date_from=2027-02-15&status=scheduled" \
  /api/v1/evaluations/stats/overview; do
  code=$(curl -s -o answer.json -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path")
  shape=$(python3 -c 'import json; a = json.load(open("answer.json")); d = a.get("data") if isinstance(a, dict) else None
print("total %s, %s items, the first on %s (%s)" % (a["total"], len(d), d[0]["date"], d[0]["status"]) if d else json.dumps(a)[:200])' \
    2>/dev/null || echo '?')
  echo "--- GET $path, $connections connections, $duration, 2 wrk threads"
  echo "one request first: HTTP $code, $(wc -c <answer.json) bytes: $shape"
  wrk -t2 -c"$connections" -d"$duration" --latency -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" >wrk.txt
  grep -E 'Requests/sec|Latency|^ +(50|90|99)%|Non-2xx|Socket errors|requests in' wrk.txt
  # wrk prints the line only when some answers were not 2xx.
  grep -q 'Non-2xx' wrk.txt || echo "  Non-2xx or 3xx responses: 0"
done
echo "server warnings logged: $(grep -c . server.log || true)"
