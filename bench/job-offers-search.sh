#!/usr/bin/env bash
# Offer reads on PostgreSQL with 500 and then 50 000 offers: requests/s, p50 and p99 of
# GET /api/v1/public/jobs (anonymous) and GET /api/v1/jobs/?q=… (a signed-in external candidate; accent-folded
# search, B8) under wrk on loopback, and the EXPLAIN (ANALYZE, BUFFERS) of the search query, which should use the
# trigram index idx_job_offers_search_trgm. Offers are bulk-loaded with COPY, their folded columns computed the
# way seeg_domain::search::fold does. Prints figures; asserts nothing: a shared 2-core machine is noisy, compare
# runs made on the same machine only.
#   bash bench/job-offers-search.sh [connections=64] [duration=10s]
# BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) must let the script create a database.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=${1:-64}
duration=${2:-10s}
admin_url=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v psql >/dev/null || { echo "psql is needed" >&2; exit 1; }
cargo build --release -q -p seeg-server
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/seeg

name="seeg_bench_$(date +%s)_$$"
db_url="${admin_url%/*}/$name"
psql -q "$admin_url" -c "CREATE DATABASE $name"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export APP_ENV=development PORT=$port APP__LOG__LEVEL=warn APP__HTTP__WORKERS=2 APP__RATE_LIMIT__ENABLED=false APP__DATABASE__URL=$db_url
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$bin" migrate up >/dev/null

# Offers from..to (inclusive) as CSV for COPY: mostly active, a mix of visibilities, one minute apart. About 4 %
# of titles and 3 % of descriptions mention "électricité"; "hydrométrie" is rare (0.2 % of descriptions).
offers_csv() {
  python3 - "$1" "$2" <<'PY'
import csv, sys, unicodedata, uuid
from datetime import datetime, timedelta, timezone

def fold(text):
    out = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()
    out = out.replace("œ", "oe").replace("æ", "ae")
    return " ".join(out.split())

titles = ["Technicien électricité"] + [f"Chargé d'études {n}" for n in ("réseaux", "finances", "clientèle", "achats",
    "qualité", "sécurité", "logistique", "juridique", "paie", "formation", "audit", "marketing")] + \
    [f"Agent {n}" for n in ("de relève", "commercial", "d'accueil", "de maintenance", "de caisse", "de terrain",
    "de planification", "de saisie", "de contrôle", "d'exploitation", "de sûreté", "de laboratoire")]
descriptions = ["Suivi des consommations d'électricité des abonnés."] + \
    [f"Mission n°{n} : assurer la continuité du service public de l'eau à Libreville et dans l'intérieur du pays."
     for n in range(30)]
departments = ["Direction de l'Eau", "Direction Commerciale", "Direction Financière", "Direction des Systèmes d'Information",
    "Direction des Ressources Humaines"]
locations = ["Libreville", "Port-Gentil", "Franceville", "Oyem", "Moanda", "Lambaréné", "Ndjolé"]
contracts = ["CDI", "CDD", "Stage", "Alternance", "Freelance"]
start = datetime(2026, 1, 1, tzinfo=timezone.utc)
out = csv.writer(sys.stdout)
for i in range(int(sys.argv[1]), int(sys.argv[2]) + 1):
    title = f"{titles[i % len(titles)]} {i}"
    description = descriptions[i % len(descriptions)]
    if i % 500 == 7:
        description = "Études d'hydrométrie sur les bassins versants."
    department, location = departments[i % len(departments)], locations[i % len(locations)]
    status = "draft" if i % 20 == 3 else "closed" if i % 20 == 4 else "active"
    visibility = "interne" if i % 7 == 0 else "externe" if i % 4 == 0 else "tous"
    created = start + timedelta(minutes=i)
    search = "\x1f".join(fold(t) for t in (title, description, department, location))
    out.writerow([uuid.uuid4(), title, fold(title), description, location, fold(location), contracts[i % 5],
        department, fold(department), search, status, visibility, (created + timedelta(days=400)).isoformat(),
        created.isoformat(), created.isoformat()])
PY
}

load_offers() {
  offers_csv "$1" "$2" | psql -q "$db_url" -c "COPY job_offers (id, title, title_folded, description, location,
    location_folded, contract_type, department, department_folded, search_folded, status, offer_status,
    application_deadline, created_at, updated_at) FROM STDIN WITH (FORMAT csv)"
  # What autovacuum does soon after a bulk load: statistics, and the visibility map index-only counts need.
  psql -q "$db_url" -c "VACUUM ANALYZE job_offers"
}

"$bin" serve & pid=$!
until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.02; done
curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/auth/signup" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"Motdepasse#2026","first_name":"Bench","last_name":"Mark","date_of_birth":"1990-01-01","sexe":"F","candidate_status":"externe"}'
token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"email":"bench@example.com","password":"Motdepasse#2026"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

run() { # label path [auth]
  local headers=()
  [ "${3:-}" = auth ] && headers=(-H "Authorization: Bearer $token")
  local total
  total=$(curl -fs -o /dev/null -D - "${headers[@]}" "http://127.0.0.1:$port$2" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-total-count" {print $2}')
  echo "--- $1: GET $2 (X-Total-Count $total), $connections connections, $duration, 2 wrk threads"
  wrk -t2 -c"$connections" -d"$duration" --latency "${headers[@]}" "http://127.0.0.1:$port$2" \
    | grep -E 'Requests/sec|^ +50%|^ +99%|Non-2xx|Socket errors'
}

explain() { # term
  echo "--- EXPLAIN (ANALYZE, BUFFERS) of the search for '$1' as an external candidate sees it (first page of 100)"
  psql -q "$db_url" -c "EXPLAIN (ANALYZE, BUFFERS)
    SELECT *, COUNT(*) OVER () AS total_matches FROM job_offers
    WHERE status IN ('active') AND offer_status IN ('tous', 'externe') AND search_folded LIKE '%$1%' ESCAPE '\\'
    ORDER BY (title_folded LIKE '%$1%' ESCAPE '\\') DESC, created_at DESC, id DESC LIMIT 100 OFFSET 0"
}

for target in 500 50000; do
  have=$(psql -qAt "$db_url" -c "SELECT count(*) FROM job_offers")
  load_offers $((have + 1)) "$target"
  echo "=== $(psql -qAt "$db_url" -c "SELECT count(*) FROM job_offers") offers on PostgreSQL"
  run public /api/v1/public/jobs
  run search "/api/v1/jobs/?q=electricite" auth
  run "rare search" "/api/v1/jobs/?q=hydrometrie" auth
  explain electricite
  explain hydrometrie
done
