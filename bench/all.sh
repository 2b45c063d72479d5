#!/usr/bin/env bash
# Every performance scenario, on the embedded default (SQLite + local folders: what `seeg serve` uses with no
# settings) and on PostgreSQL, then one summary table. Prints figures; asserts nothing: a shared 2-core machine
# (wrk, the server and PostgreSQL on the same cores) is noisy, compare runs made on the same machine only.
# wrk's timeout is 30 s, so slow answers count in p50/p99 rather than as socket errors.
#   bash bench/all.sh [--backend sqlite|postgres|both] [--duration 10s] [--only health,public,jobs,staff,login,submit]
# (`just bench` runs it.) Scenarios, each a wrk run of --duration (default 10s) with 2 threads and 64 connections
# unless said, rate limits off (APP__RATE_LIMIT__ENABLED=false), APP__LOG__LEVEL=warn, APP__HTTP__WORKERS=2:
#   health  GET /health
#   public  GET /api/v1/public/jobs with 50 offers created through the API by an admin (about 32 KB of JSON)
#   jobs    GET /api/v1/jobs/ as a signed-in external candidate (the same 50 offers)
#   staff   as an admin, with 10 000 applications (seeded in SQL): GET /api/v1/applications/?limit=50, the
#           dashboards (/api/v1/optimized/…, /api/v1/applications/stats/{overview,advanced}) and
#           GET /api/v1/evaluations/stats/overview
#   login   POST /api/v1/auth/login storm (bcrypt cost 12, 16 connections, 1 wrk thread) and, alongside, GET /health
#           (16 connections, 1 wrk thread), as bench/login-storm.sh; then the storm again with /health probed
#           100 times a second, open loop (bench/probe.py), as a load balancer does
#   submit  POST /api/v1/applications/ multipart, 3 PDFs of 200 KB, 8 connections, each request from its own
#           pre-signed-in candidate (bench/submit.lua, as bench/submissions.sh); the rows are counted after
# and per backend: start-up time (process start to the first 200 of /health, database migrated and seeded), idle
# RSS one second after, peak RSS (VmHWM) after all scenarios. Errors = non-2xx answers + socket errors (wrk).
# Setup per backend (bench/lib.sh, BENCH_BACKEND): a temp working dir (and a scratch PostgreSQL database), the admin
# from `seeg admin create`, accounts and offers through the API on a setup server at bcrypt cost 4, then, server
# stopped, 10 000 candidates (SQL copies of one signed-up account) with one application each, and the submission
# candidates; they sign in on a second setup server; the measured server starts last, at the default cost 12.
# The table is also written to bench/results/all-<date>.txt. SEEG_BIN=path/to/seeg measures that binary (else
# `cargo build --release -p seeg-server`); BENCH_POSTGRES_URL as in bench/lib.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. bench/lib.sh

all_scenarios=health,public,jobs,staff,login,submit
backend=both
duration=10s
only=$all_scenarios
usage() { sed -n '5p' "$0" | sed 's/^#  *//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --backend) backend=${2:?}; shift 2 ;;
    --backend=*) backend=${1#*=}; shift ;;
    --duration) duration=${2:?}; shift 2 ;;
    --duration=*) duration=${1#*=}; shift ;;
    --only) only=${2:?}; shift 2 ;;
    --only=*) only=${1#*=}; shift ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
backends=$(bench_backends "$backend")
for s in ${only//,/ }; do
  case ",$all_scenarios," in *",$s,"*) ;; *) echo "--only: among $all_scenarios, not $s" >&2; exit 2 ;; esac
done
case $duration in
  *m) seconds=$(( ${duration%m} * 60 )) ;;
  *s) seconds=${duration%s} ;;
  *) seconds=$duration; duration=${duration}s ;;
esac
if ! [[ $seconds =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
  echo "--duration: 10s, 2m or a number of seconds" >&2
  exit 2
fi
selected() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
# Built once here (bench_binary); bench_setup then uses SEEG_BIN.
bench_binary

offers=50
applications=10000
# Enough candidates for the submissions never to run out (each submits once): 300 a second, at least 600.
submitters=$(( seconds * 300 > 600 ? seconds * 300 : 600 ))
mkdir -p "$root/bench/results"
stamp=$(date +%Y-%m-%d-%H%M%S)
out="$root/bench/results/all-$stamp.txt"
rows=$(mktemp)
resources=$(mktemp)
trap 'rm -f "$rows" "$resources"' EXIT
began=$(date +%s)

# row SCENARIO BACKEND RATE P50 P99 ERRORS NOTE: one line of the table, numbered so that the table shows each
# scenario's backends together.
row_number=0
row() {
  row_number=$((row_number + 1))
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$row_number" "$@" >>"$rows"
}

# wrk's own report is kept in wrk-*.txt of the working dir; this line is what the table reads.
write_summary_lua() {
  cat >summary.lua <<'LUA'
-- bench/all.sh: requests/s, p50 and p99 (ms), non-2xx/3xx answers, requests, socket errors (connect, read, write,
-- timeout), on one line.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("@@summary %.1f %.2f %.2f %d %d %d %d %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status, summary.requests, e.connect, e.read,
    e.write, e.timeout))
end
LUA
  { printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
    printf "wrk.body = '{\"email\":\"bench-storm@example.com\",\"password\":\"%s\"}'\n" "$bench_password"
    cat summary.lua; } >login.lua
}

# wrk_figures FILE: reads the @@summary line of a wrk report into rate p50 p99 non2xx requests socket (all socket
# errors) and socket_note ("" or e.g. "3 timeouts (> 30 s)", for the table), variables of the caller.
wrk_figures() {
  local connect read write timeout
  read -r _ rate p50 p99 non2xx requests connect read write timeout < <(grep '^@@summary' "$1")
  socket=$((connect + read + write + timeout))
  socket_note=
  [ "$((connect + read + write))" -eq 0 ] || socket_note="socket errors: connect $connect, read $read, write $write"
  [ "$timeout" -eq 0 ] || socket_note="${socket_note:+$socket_note, }$timeout timeouts (> 30 s)"
}

# measure SCENARIO UNIT NOTE OUTPUT WRK-ARGS…: runs wrk (30 s timeout: a slow answer counts in the percentiles rather
# than as a socket error) with summary.lua, prints its figures, adds the row.
measure() {
  local scenario=$1 unit=$2 note=$3 output=$4 rate p50 p99 non2xx requests socket socket_note
  shift 4
  wrk --latency --timeout 30s -s summary.lua "$@" >"$output"
  wrk_figures "$output"
  printf '  %-58s %10s %s/s  p50 %8s ms  p99 %8s ms  non-2xx %s  socket errors %s  (%s requests)\n' \
    "$scenario" "$rate" "$unit" "$p50" "$p99" "$non2xx" "$socket" "$requests"
  row "$scenario" "$(bench_backend)" "$rate $unit/s" "$p50 ms" "$p99 ms" "$((non2xx + socket))" \
    "$note${note:+${socket_note:+; }}$socket_note"
}

# probe PATH [TOKEN]: one request first: its status, size and the start of the answer.
probe() {
  local headers=() code
  [ -z "${2:-}" ] || headers=(-H "Authorization: Bearer $2")
  code=$(curl -s -o probe.json -w '%{http_code}' "${headers[@]}" "http://127.0.0.1:$port$1")
  echo "  probe GET $1: HTTP $code, $(wc -c <probe.json) bytes: $(head -c 160 probe.json | tr '\n' ' ')…"
}

login_token() { # EMAIL: an access token
  curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"'"$1"'","password":"'"$bench_password"'"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

# create_offers TOKEN COUNT: realistic active offers open to all (about 650 bytes each in the public list: title,
# a long-ish description, requirements / benefits / responsibilities lists, 2 métier and 1 talent question, the
# questions bench/lib.sh body_template answers), through POST /api/v1/jobs/.
create_offers() {
  python3 - "$port" "$1" "$2" <<'PY'
import http.client, json, sys

port, token, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
titles = ["Ingénieur électricité", "Technicien réseau d'eau", "Chargé(e) de clientèle", "Comptable principal",
          "Responsable maintenance", "Analyste systèmes d'information", "Juriste droit des affaires",
          "Chef de projet travaux", "Agent de relève", "Contrôleur de gestion"]
departments = ["Direction de l'Eau", "Direction de l'Électricité", "Direction Commerciale", "Direction Financière",
               "Direction des Systèmes d'Information"]
locations = ["Libreville", "Port-Gentil", "Franceville", "Oyem", "Moanda"]
contracts = ["CDI", "CDD", "Stage", "Alternance", "CDI"]
conn = http.client.HTTPConnection("127.0.0.1", port)
for i in range(count):
    title = f"{titles[i % len(titles)]} ({i + 1})"
    body = {
        "title": title,
        "description": (f"La SEEG recrute un(e) {titles[i % len(titles)].lower()} pour la {departments[i % 5]} : "
                        "continuité du service public."),
        "location": locations[i % 5],
        "contract_type": contracts[i % 5],
        "department": departments[i % 5],
        "salary_min": 450000 + 10000 * i,
        "salary_max": 900000 + 10000 * i,
        "requirements": ["Bac+3 dans le domaine", "3 ans d'expérience"],
        "benefits": ["Assurance maladie"],
        "responsibilities": ["Planifier les interventions"],
        "status": "active",
        "offer_status": "tous",
        "questions_mtp": {
            "questions_metier": ["Décrivez une intervention technique difficile que vous avez menée.",
                                 "Comment organisez-vous le suivi de vos chantiers ?"],
            "questions_talent": ["Quelle qualité vos collègues vous reconnaissent-ils ?"],
            "questions_paradigme": [],
        },
    }
    conn.request("POST", "/api/v1/jobs/", json.dumps(body),
                 {"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    answer = conn.getresponse()
    data = answer.read()
    if answer.status not in (200, 201):
        sys.exit(f"offer {i}: {answer.status} {data[:300]!r}")
    if i == 0:
        print(json.loads(data).get("id") or json.loads(data)["data"]["id"])
PY
}

# seed_applications COUNT: one application per cloned candidate bench-1 … bench-COUNT, spread over the offers and
# the statuses (4 in 10 candidature, 2 incubation, then one each of entretien_programme, simulation_programmee,
# refuse, embauche), one minute apart.
seed_applications() {
  local statuses="'candidature', 'candidature', 'candidature', 'candidature', 'incubation', 'incubation',
    'entretien_programme', 'simulation_programmee', 'refuse', 'embauche'" pick ago
  if [ "$(bench_backend)" = sqlite ]; then
    pick="json_extract(json_array($statuses), '\$[' || (u.n % 10) || ']')"
    ago="minutes_ago(u.n)"
  else
    pick="(ARRAY[$statuses])[1 + u.n % 10]"
    ago="now() - u.n * interval '1 minute'"
  fi
  sql "INSERT INTO applications (id, candidate_id, job_offer_id, status, has_been_manager, mtp_answers, created_at,
      updated_at)
    SELECT gen_random_uuid(), u.id, o.id, $pick, u.n % 3 = 0,
      '{\"reponses_metier\": [\"Réponse 1\", \"Réponse 2\"], \"reponses_talent\": [\"Réponse T\"]}', $ago, $ago
    FROM (SELECT id, row_number() OVER (ORDER BY email) AS n FROM users WHERE email LIKE 'bench-%'
          AND email NOT LIKE 'bench-sub-%' AND email <> 'bench-template@example.com' AND role = 'candidate') AS u
    JOIN (SELECT id, row_number() OVER (ORDER BY created_at, id) - 1 AS k FROM job_offers) AS o ON o.k = u.n % $1"
}

run_backend() {
  export BENCH_BACKEND=$1
  local b=$1 start ready idle peak token candidate_token candidate_id path
  echo "=== $b: setup"
  bench_setup
  write_summary_lua

  # --- Setup servers (not measured): accounts at bcrypt cost 4, so that copies sign in fast.
  export APP__AUTH__BCRYPT_COST=4
  SEEG_ADMIN_PASSWORD=$bench_password "$bin" admin create --email bench-admin@example.com \
    --first-name Bench --last-name Admin >/dev/null
  start_server
  sign_up_template
  token=$(login_token bench-admin@example.com)
  offer_id=$(create_offers "$token" "$offers")
  stop_server
  clone_candidates bench "$applications"
  seed_applications "$offers"
  selected submit && clone_candidates bench-sub "$submitters"
  echo "  seeded (SQL, server stopped): $(sql "SELECT (SELECT count(*) FROM job_offers) || ' offers, ' ||
    (SELECT count(*) FROM users) || ' users, ' || (SELECT count(*) FROM applications) || ' applications'")"
  echo "  applications by status: $(sql "SELECT status || ' ' || count(*) FROM applications GROUP BY status
    ORDER BY status" | paste -sd, - | sed 's/,/, /g')"
  [ "$b" = postgres ] && sql "ANALYZE" >/dev/null
  start_server
  token=$(login_token bench-admin@example.com)
  candidate_token=$(login_token bench-template@example.com)
  if selected submit; then
    log_in_candidates bench-sub "$submitters" >tokens-sub.txt
    body_template "$offer_id" $((200 * 1024)) multipart body-sub.template
    echo "  $submitters submission candidates signed in; a submission is $(stat -c %s body-sub.template) bytes"
  fi
  stop_server
  unset APP__AUTH__BCRYPT_COST

  # --- The measured server, bcrypt at its default cost (12).
  echo "=== $b: measured server"
  start=$(date +%s%N)
  "$bin" serve >>server.log 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.005; done
  ready=$(( ($(date +%s%N) - start) / 1000000 ))
  sleep 1
  idle=$(kib VmRSS)
  echo "  start-up to the first 200 of /health: $ready ms; idle RSS $(mib "$idle")"
  local url=http://127.0.0.1:$port

  if selected health; then
    measure "GET /health" req "" wrk-health.txt -t2 -c64 -d"$duration" "$url/health"
  fi
  if selected public; then
    probe /api/v1/public/jobs
    measure "GET /api/v1/public/jobs ($offers offers)" req "body $(wc -c <probe.json) B" wrk-public.txt \
      -t2 -c64 -d"$duration" "$url/api/v1/public/jobs"
  fi
  if selected jobs; then
    probe /api/v1/jobs/ "$candidate_token"
    measure "GET /api/v1/jobs/ (external candidate)" req "body $(wc -c <probe.json) B" wrk-jobs.txt \
      -t2 -c64 -d"$duration" -H "Authorization: Bearer $candidate_token" "$url/api/v1/jobs/"
  fi
  if selected staff; then
    candidate_id=$(curl -fs -H "Authorization: Bearer $token" "$url/api/v1/applications/?limit=1" |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["data"][0]["candidate_id"])')
    local n=0
    for path in "/api/v1/applications/?limit=50" "/api/v1/optimized/applications/optimized?limit=50" \
      /api/v1/optimized/dashboard/stats/optimized /api/v1/applications/stats/overview \
      /api/v1/applications/stats/advanced /api/v1/evaluations/stats/overview \
      "/api/v1/optimized/candidates/$candidate_id/applications/optimized"; do
      probe "$path" "$token"
      n=$((n + 1))
      measure "GET ${path/$candidate_id/\{id\}} (admin)" req "body $(wc -c <probe.json) B" "wrk-staff-$n.txt" \
        -t2 -c64 -d"$duration" -H "Authorization: Bearer $token" "$url$path"
    done
  fi
  if selected login; then
    # The account the storm signs in to, hashed at cost 12 by this server.
    curl -fs -o /dev/null -X POST "$url/api/v1/auth/signup" -H 'content-type: application/json' \
      -d '{"email":"bench-storm@example.com","password":"'"$bench_password"'","first_name":"Bench","last_name":"Storm","date_of_birth":"1990-01-01","sexe":"F","candidate_status":"externe"}'
    wrk --latency -s login.lua -t1 -c16 -d$((seconds + 2))s --timeout 30s "$url/api/v1/auth/login" >wrk-login.txt &
    local storm=$!
    sleep 1
    measure "GET /health during the login storm (16 conn, 1 thread)" req "" wrk-health-storm.txt \
      -t1 -c16 -d"$duration" "$url/health"
    wait "$storm"
    local rate p50 p99 non2xx requests socket socket_note
    wrk_figures wrk-login.txt
    printf '  %-58s %10s logins/s  p50 %8s ms  p99 %8s ms  non-2xx %s  socket errors %s\n' \
      "POST /api/v1/auth/login storm (bcrypt 12, 16 conn)" "$rate" "$p50" "$p99" "$non2xx" "$socket"
    row "POST /api/v1/auth/login storm (bcrypt 12, 16 conn, 1 thread)" "$b" "$rate login/s" "$p50 ms" "$p99 ms" \
      "$((non2xx + socket))" "$((seconds + 2)) s, $requests answers${socket_note:+; $socket_note}"
    # The same storm with /health probed as a load balancer does (100 a second, open loop) instead of flooded: the
    # flood above leaves no idle cycle, so it measures how the hashing shares the cores more than a probe's wait.
    wrk --latency -s login.lua -t1 -c16 -d$((seconds + 2))s --timeout 30s "$url/api/v1/auth/login" >wrk-login-2.txt &
    storm=$!
    sleep 1
    local sent failed max
    read -r _ sent failed p50 p99 max < <(python3 "$bench_dir/probe.py" "$url/health" 100 "$seconds" | grep '^@@probe')
    wait "$storm"
    row "GET /health probed 100/s during the login storm (open loop)" "$b" "$((sent / seconds)) req/s" "$p50 ms" \
      "$p99 ms" "$failed" "max $max ms"
    wrk_figures wrk-login-2.txt
    row "POST /api/v1/auth/login storm, /health probed (16 conn)" "$b" "$rate login/s" "$p50 ms" "$p99 ms" \
      "$((non2xx + socket))" "$((seconds + 2)) s, $requests answers${socket_note:+; $socket_note}"
  fi
  if selected submit; then
    local sent created other counted documents
    wrk -t2 -c8 -d"$duration" --timeout 30s -s "$bench_dir/submit.lua" "$url/api/v1/applications/" \
      -- "$PWD/tokens-sub.txt" "$PWD/body-sub.template" raw "multipart/form-data; boundary=$bench_boundary" 2 \
      >wrk-submit.txt
    sleep 2 # requests still in flight when wrk stopped may finish: the rows below count them
    sed -n '/^  submissions sent/,$p' wrk-submit.txt
    read -r _ rate p50 p99 other socket sent created < <(grep '^@@submit' wrk-submit.txt)
    IFS='|' read -r counted documents < <(sql "SELECT count(DISTINCT a.id), count(d.id) FROM applications a
      JOIN users u ON u.id = a.candidate_id LEFT JOIN application_documents d ON d.application_id = a.id
      WHERE u.email LIKE 'bench-sub-%'")
    echo "  rows (SQL): $counted applications, $documents documents for $created answers 201 of $sent sent"
    row "POST /api/v1/applications/ multipart 3 x 200 KB (8 conn)" "$b" "$rate subm/s" "$p50 ms" "$p99 ms" \
      "$((other + socket))" "$counted rows/$sent sent"
  fi
  peak=$(kib VmHWM)
  local warnings
  warnings=$(grep -c WARN server.log || true)
  echo "  peak RSS (VmHWM) $(mib "$peak"); server warnings logged: $warnings$([ "$warnings" -eq 0 ] || echo ', the most frequent:')"
  grep WARN server.log | sed -E 's/^.*WARN[^a-zA-Z]*//; s/[0-9a-f-]{36}/…/g' | cut -c1-160 | sort | uniq -c |
    sort -rn | head -3 || true
  printf '%s\t%s ms\t%s\t%s\n' "$b" "$ready" "$(mib "$idle")" "$(mib "$peak")" >>"$resources"
  stop_server
}

for b in $backends; do
  ( run_backend "$b" )
done

{
  echo "bench/all.sh — $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')," \
    "binary $SEEG_BIN, wrk $duration per scenario, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  { printf 'scenario\tbackend\trate\tp50\tp99\terrors\tnote\n'; sort -s -t$'\t' -k1,1n "$rows" | cut -f2-; } | column -t -s $'\t'
  echo
  { printf 'backend\tstart-up (to first /health 200)\tidle RSS\tpeak RSS (VmHWM)\n'; cat "$resources"; } | column -t -s $'\t'
  echo
  echo "errors = non-2xx answers + socket errors; whole run $(( $(date +%s) - began )) s"
} | tee "$out"
echo "written to ${out#"$root"/}"
