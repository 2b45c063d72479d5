#!/usr/bin/env bash
# Offer search (B8) with 500 and then 50 000 offers, on the embedded default (SQLite) and on PostgreSQL:
# requests/s, p50 and p99 of GET /api/v1/jobs/?q=… as a signed-in external candidate, wrk on loopback, and of the
# public list GET /api/v1/public/jobs for comparison. Offer reads go through the versioned cache (P2): a fixed `q`
# measures the cache. So each miss scenario cycles (bench/paths.lua) through thousands of distinct questions,
# each sent once per cycle, more than the cache holds: spellings of the same words (case, accents) and different
# words, numbers and prefixes, so that nearly every request reads the database:
#   common     "électricité" in any spelling, and its longer substrings: ~4 % of titles, ~3 % of descriptions
#   very common "service public" and its pieces: ~97 % of offers (every mission description)
#   rare       4-digit numbers (a few titles each at 50 000 offers, none at 500) and "hydrométrie" (0.2 %)
#   none       words no offer holds ("plomberie", "pharmacien", …) in any spelling
#   prefixes   what a search box sends while typing: 2 to 6 letters of the offers' words
#   cached     one fixed q ("electricite"): the cache's hit path
# On PostgreSQL the script also prints how many reads of job_offers each request cost (pg_stat_user_tables: 0 on a
# hit, 2 on a miss when the page and its total are two scans) and the EXPLAIN (ANALYZE, BUFFERS) of the search
# statement for a common, a very common and a rare term at 50 000 offers.
# Offers are bulk-loaded (COPY on PostgreSQL, executemany on SQLite, the server stopped), their folded columns
# computed the way seeg_domain::search::fold does; mostly active, a mix of visibilities, one minute apart.
# Prints figures; asserts nothing: a shared 2-core machine is noisy, compare runs made on the same machine only.
#   bash bench/job-offers-search.sh [--backend sqlite|postgres|both] [--duration 10s] [--connections 64]
#     [--sizes 500,50000] [--only common,very-common,rare,none,prefixes,cached,public]
# SEEG_BIN=path/to/seeg measures that binary (else `cargo build --release -p seeg-server`); BENCH_POSTGRES_URL as
# in bench/lib.sh. Results are also written to bench/results/job-offers-search-<date>.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. bench/lib.sh

all_scenarios=common,very-common,rare,none,prefixes,cached,public
backend=both
duration=10s
connections=64
sizes=500,50000
only=$all_scenarios
usage() { sed -n '/^#   bash/,/^#     \[--sizes/p' "$0" | sed 's/^# *//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --backend) backend=${2:?}; shift 2 ;;
    --duration) duration=${2:?}; shift 2 ;;
    --connections) connections=${2:?}; shift 2 ;;
    --sizes) sizes=${2:?}; shift 2 ;;
    --only) only=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "unknown argument: $1" >&2; usage ;;
  esac
done
backends=$(bench_backends "$backend")
selected() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

bench_binary
mkdir -p bench/results
out=$root/bench/results/job-offers-search-$(date -u +%Y%m%d-%H%M%S).txt
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT

# Offers from..to (inclusive), as CSV rows (PostgreSQL's COPY) or straight into the SQLite file.
load_offers() { # from to
  python3 - "$1" "$2" "$(bench_backend)" "${db_file:-}" <<'PY' | { [ "$(bench_backend)" = sqlite ] && cat || psql -q "$db_url" -c "COPY job_offers (id, title, title_folded, description, location,
    location_folded, contract_type, department, department_folded, search_folded, status, offer_status,
    application_deadline, created_at, updated_at) FROM STDIN WITH (FORMAT csv)"; }
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
rows = []
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
    rows.append([uuid.uuid4(), title, fold(title), description, location, fold(location), contracts[i % 5],
        department, fold(department), search, status, visibility, created + timedelta(days=400), created, created])
if sys.argv[3] == "sqlite":
    import sqlite3
    db = sqlite3.connect(sys.argv[4], timeout=60)
    stamp = lambda t: t.isoformat(timespec="microseconds")
    with db:
        db.executemany("INSERT INTO job_offers (id, title, title_folded, description, location, location_folded,"
            " contract_type, department, department_folded, search_folded, status, offer_status, application_deadline,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[r[0].bytes, *r[1:12], stamp(r[12]), stamp(r[13]), stamp(r[14])] for r in rows])
    db.execute("ANALYZE")
else:
    out = csv.writer(sys.stdout)
    for r in rows:
        out.writerow([*r[:12], r[12].isoformat(), r[13].isoformat(), r[14].isoformat()])
PY
  # What autovacuum does soon after a bulk load: statistics, and the visibility map index-only counts need.
  [ "$(bench_backend)" = sqlite ] || psql -q "$db_url" -c "VACUUM ANALYZE job_offers"
}

# paths SCENARIO: the request paths of a scenario, one a line, shuffled (the same order on every run).
paths() {
  python3 - "$1" <<'PY'
import itertools, random, sys
from urllib.parse import quote

rng = random.Random(16)
def spellings(word, limit=4096):
    """Case (and accent) variants of `word`: as many distinct questions as wanted, all the same search."""
    options = [sorted({c, c.upper()} | ({"e", "E"} if c in "éÉ" else set())) for c in word]
    variants = ["".join(p) for p in itertools.islice(itertools.product(*options), 1 << 16)]
    rng.shuffle(variants)
    return variants[:limit]
def pieces(word, shortest):
    return [word[i:j] for i in range(len(word)) for j in range(i + shortest, len(word) + 1)]

scenario = sys.argv[1]
if scenario == "common":
    terms = [s for p in pieces("électricité", 8) for s in spellings(p, 512)]
elif scenario == "very-common":
    terms = [s for p in ["service public", "du service", "service pub", "ervice publi", "vice public"]
             for s in spellings(p, 2048)]
elif scenario == "rare":
    terms = [f"{n:04d}" for n in range(1000, 10000)] + spellings("hydrométrie", 2048)
elif scenario == "none":
    terms = [s for w in ["plomberie", "pharmacien", "boulangerie", "informaticien", "astronomie"] for s in spellings(w, 2048)]
elif scenario == "prefixes":
    words = ["technicien", "électricité", "chargé", "études", "réseaux", "finances", "agent", "maintenance",
             "libreville", "direction", "commercial", "logistique", "formation", "sécurité", "laboratoire"]
    terms = [s for w in words for n in range(2, 7) for s in spellings(w[:n], 64)]
else:
    terms = ["electricite"]
terms = list(dict.fromkeys(terms))
rng.shuffle(terms)
for t in terms:
    print(f"/api/v1/jobs/?q={quote(t)}")
PY
}

# The reads of job_offers (sequential and index scans) PostgreSQL counted so far; 0 on SQLite.
table_reads() {
  if [ "$(bench_backend)" = postgres ]; then
    sql "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'job_offers'"
  else
    echo 0
  fi
}

measure() { # label size scenario wrk-args…
  local label=$1 size=$2 scenario=$3
  shift 3
  local before after requests rate p50 p99 errors reads=""
  before=$(table_reads)
  wrk -t2 -c"$connections" -d"$duration" --latency --timeout 30s "$@" >wrk.txt
  rate=$(awk '/^Requests\/sec/ {print $2}' wrk.txt)
  p50=$(awk '$1 == "50%" {print $2}' wrk.txt)
  p99=$(awk '$1 == "99%" {print $2}' wrk.txt)
  requests=$(awk '/requests in/ {print $1}' wrk.txt)
  errors=$(awk '/Non-2xx/ {n += $NF} /Socket errors/ {gsub(",", ""); n += $4 + $6 + $8 + $10} END {print n + 0}' wrk.txt)
  if [ "$(bench_backend)" = postgres ]; then
    sleep 1 # statistics reach pg_stat_user_tables within a second
    after=$(table_reads)
    reads=$(awk -v d=$((after - before)) -v n="$requests" 'BEGIN {printf "%.2f job_offers reads/request", d / n}')
  fi
  printf '  %-34s %9s req/s  p50 %9s  p99 %9s  errors %s  %s\n' "$label" "$rate" "$p50" "$p99" "$errors" "$reads"
  printf '%s\t%s\t%s\t%s req/s\t%s\t%s\t%s\t%s\n' "$(bench_backend)" "$size" "$label" "$rate" "$p50" "$p99" "$errors" \
    "$reads" >>"$rows"
}

explain() { # term: the statements of a first page of 100 for an external candidate, and their plans in short
  local audience="status IN ('active') AND offer_status IN ('tous', 'externe')" like="LIKE '%$1%' ESCAPE '\\'"
  local statement label
  for label in "one statement, exact total (before P3)" "title part (P3)" "other matches (P3)" "count up to 1 000 (P3)"; do
    case $label in
      one*) statement="SELECT *, (SELECT COUNT(*) FROM job_offers WHERE $audience AND search_folded $like) AS total
        FROM job_offers WHERE $audience AND search_folded $like
        ORDER BY (title_folded $like) DESC, created_at DESC, id DESC LIMIT 100" ;;
      title*) statement="SELECT * FROM job_offers WHERE $audience AND title_folded $like
        ORDER BY created_at DESC, id DESC LIMIT 100" ;;
      other*) statement="SELECT * FROM job_offers WHERE $audience AND search_folded $like AND NOT title_folded $like
        ORDER BY created_at DESC, id DESC LIMIT 100" ;;
      count*) statement="SELECT COUNT(*) FROM (SELECT 1 FROM job_offers WHERE $audience AND search_folded $like
        LIMIT 1000) AS matches" ;;
    esac
    echo "--- '$1', $label: EXPLAIN (ANALYZE, BUFFERS)"
    psql -q "$db_url" -c "EXPLAIN (ANALYZE, BUFFERS) $statement" |
      grep -E 'Execution Time|Scan|Sort Method|^ +Buffers' | head -8
  done
}

run_backend() {
  export BENCH_BACKEND=$1
  echo "=== $1"
  bench_setup
  start_server
  curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/auth/signup" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"'"$bench_password"'","first_name":"Bench","last_name":"Mark","date_of_birth":"1990-01-01","sexe":"F","candidate_status":"externe"}'
  token=$(curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"email":"bench@example.com","password":"'"$bench_password"'"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  stop_server
  local have=0 size scenario url total
  for size in ${sizes//,/ }; do
    load_offers $((have + 1)) "$size"
    have=$size
    start_server
    url=http://127.0.0.1:$port
    echo "--- $(sql "SELECT count(*) FROM job_offers") offers, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    for scenario in ${only//,/ }; do
      if [ "$scenario" = public ]; then
        measure "public list (no q, cached)" "$size" public "$url/api/v1/public/jobs"
        continue
      fi
      paths "$scenario" >"paths-$scenario.txt"
      total=$(curl -fs -o /dev/null -D - -H "Authorization: Bearer $token" "$url$(head -1 "paths-$scenario.txt")" |
        tr -d '\r' | awk -F': ' 'tolower($1) == "x-total-count" {print $2}')
      measure "$scenario ($(wc -l <"paths-$scenario.txt") q, 1st: $total)" "$size" "$scenario" \
        -H "Authorization: Bearer $token" -s "$bench_dir/paths.lua" "$url/api/v1/jobs/" -- "$PWD/paths-$scenario.txt" 2
    done
    stop_server
  done
  if [ "$(bench_backend)" = postgres ]; then
    explain electricite
    explain 'service public'
    explain hydrometrie
  fi
}

began=$(date +%s)
header="bench/job-offers-search.sh — $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo '?'), binary $SEEG_BIN, wrk $duration, $connections connections, 2 threads, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$header"
for b in $backends; do
  ( run_backend "$b" )
done
{
  echo "$header"
  echo
  { printf 'backend\toffers\tscenario\trate\tp50\tp99\terrors\tnote\n'; cat "$rows"; } | column -t -s $'\t'
  echo
  echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg); whole run $(( $(date +%s) - began )) s"
} | tee "$out"
echo "written to ${out#"$root"/}"
