# shellcheck shell=bash
# Shared by the benchmarks (bench/submissions.sh, bench/lake.sh, bench/interviews.sh, bench/all.sh); sourced, not
# run. A scratch database and a temp folder (both removed at exit), the release binary serving on a free port with
# local folders, an open offer, external candidates cloned in SQL from one signed-up account and signed in through
# the API, and submission bodies whose PDFs carry a per-request tag.
# BENCH_BACKEND picks the database: postgres (the default) or sqlite.
#   postgres: a scratch database; BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres) must let
#     the script create one. Documents and mail in folders of the temp dir, a random signing key.
#   sqlite: the embedded default, what `seeg serve` uses with no settings: ./data/seeg.db, ./data/blobs,
#     ./data/mail and ./data/secret_key under the temp dir, which is the working directory. `sql` runs statements
#     with python3's sqlite3 module, where gen_random_uuid() gives a UUID (16 bytes, as the server stores it),
#     minutes_ago(n) and now() a timestamp as the server writes it, chr(n) as PostgreSQL's; write only while the
#     server is stopped.
# After `bench_setup`: $bin, $db_url, $port, $work (the working directory), $pid (the running server, if any),
# $blobs (the documents' folder), $db_file (sqlite).

bench_password='Motdepasse#2026'
# shellcheck disable=SC2034 # for the scripts that source this file
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_backend() { echo "${BENCH_BACKEND:-postgres}"; }

# The backends a `--backend` value names (both, sqlite or postgres), one per word; anything else stops the script.
bench_backends() {
  case $1 in
    both) echo "sqlite postgres" ;;
    sqlite|postgres) echo "$1" ;;
    *) echo "--backend: sqlite, postgres or both" >&2; exit 2 ;;
  esac
}

# SEEG_BIN, built (release) when unset, as an absolute path, exported for bench_setup; wrk installed if missing.
bench_binary() {
  command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  if [ -z "${SEEG_BIN:-}" ]; then
    cargo build --release -q -p seeg-server
    SEEG_BIN=${CARGO_TARGET_DIR:-$root/target}/release/seeg
  fi
  SEEG_BIN=$(realpath "$SEEG_BIN")
  export SEEG_BIN
}

# Builds the release binary, creates the database and the folder, exports the server's settings, migrates, cds in.
bench_setup() {
  command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
  # SEEG_BIN=path/to/seeg measures that binary (another commit's, for a before/after on one machine).
  [ -n "${SEEG_BIN:-}" ] || cargo build --release -q -p seeg-server
  bin=${SEEG_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/seeg}
  work=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export PORT=$port APP__LOG__LEVEL=warn APP__HTTP__WORKERS=2 APP__RATE_LIMIT__ENABLED=false
  name=
  if [ "$(bench_backend)" = sqlite ]; then
    db_url=sqlite://./data/seeg.db
    db_file=$work/data/seeg.db
    blobs=$work/data/blobs
  else
    command -v psql >/dev/null || { echo "psql is needed" >&2; exit 1; }
    admin_url=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
    name="seeg_bench_$(date +%s)_$$"
    db_url="${admin_url%/*}/$name"
    psql -q "$admin_url" -c "CREATE DATABASE $name"
    blobs=$work/blobs
    local key
    key=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
    export APP_ENV=development APP__DATABASE__URL=$db_url APP__STORAGE__KIND=local APP__STORAGE__PATH=$blobs \
      APP__MAIL__TRANSPORT=folder APP__MAIL__FOLDER=$work/mail \
      APP__AUTH__SECRET_KEY=$key
  fi
  pid=
  trap bench_cleanup EXIT
  cd "$work" || exit
  "$bin" migrate up >/dev/null
}

bench_cleanup() {
  stop_server
  [ -z "$name" ] || psql -q "$admin_url" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" || true
  rm -rf "$work"
}

# Starts `seeg serve` (log in server.log: warnings are counted, not shown) and waits until it answers.
start_server() {
  "$bin" serve >>server.log 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.02; done
}

stop_server() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  pid=
}

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$pid/status"; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f MiB", k / 1024}'; }
# sql STATEMENT: one statement; rows on stdout, columns separated by |, as psql -qAt prints them.
sql() {
  if [ "$(bench_backend)" = sqlite ]; then
    python3 - "$db_file" "$1" <<'PY'
import datetime, sqlite3, sys, uuid

db = sqlite3.connect(sys.argv[1], timeout=60)
now = datetime.datetime.now(datetime.timezone.utc)
db.create_function("gen_random_uuid", 0, lambda: uuid.uuid4().bytes)
db.create_function("minutes_ago", 1, lambda n: (now - datetime.timedelta(minutes=n)).isoformat(timespec="microseconds"))
db.create_function("now", 0, lambda: now.isoformat(timespec="microseconds"))
db.create_function("chr", 1, chr)
with db:
    rows = db.execute(sys.argv[2]).fetchall()
for row in rows:
    print("|".join("" if v is None else str(v) for v in row))
PY
  else
    psql -qAt "$db_url" -c "$1"
  fi
}

# series N: the start of a statement giving the rows 1..N as s(i) (`$(series N) SELECT … FROM …, s`).
series() {
  if [ "$(bench_backend)" = sqlite ]; then
    echo "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $1)"
  else
    echo "WITH s(i) AS (SELECT generate_series(1, $1))"
  fi
}

# One signed-up external candidate: the row (and the bcrypt hash, cost 4 if the server runs with
# APP__AUTH__BCRYPT_COST=4) that `clone_candidates` copies. Needs a running server.
sign_up_template() {
  curl -fs -o /dev/null -X POST "http://127.0.0.1:$port/api/v1/auth/signup" -H 'content-type: application/json' \
    -d '{"email":"bench-template@example.com","password":"'"$bench_password"'","first_name":"Bench","last_name":"Mark","date_of_birth":"1990-01-01","sexe":"F","candidate_status":"externe"}'
}

# insert_offer ID: an active offer open to everyone, without deadline (2 métier questions, 1 talent question).
insert_offer() {
  local id="'$1'"
  [ "$(bench_backend)" = postgres ] || id="X'${1//-/}'" # 16 bytes, as the server stores a UUID in SQLite
  sql "INSERT INTO job_offers (id, title, title_folded, description, location, location_folded, contract_type, department,
    department_folded, search_folded, status, offer_status, application_deadline, questions_mtp, created_at, updated_at)
    VALUES ($id, 'Ingénieur Électricité', 'ingenieur electricite', 'Une offre ouverte sans date limite.',
    'Libreville', 'libreville', 'CDI', 'Direction de l''Eau', 'direction de l''eau',
    'ingenieur electricite' || chr(31) || 'une offre ouverte sans date limite.' || chr(31) || 'direction de l''eau' || chr(31) || 'libreville',
    'active', 'tous', NULL,
    '{\"questions_metier\": [\"Métier 1 ?\", \"Métier 2 ?\"], \"questions_talent\": [\"Talent ?\"], \"questions_paradigme\": []}',
    now(), now())"
}

# clone_candidates PREFIX COUNT: accounts PREFIX-1@example.com … PREFIX-COUNT@example.com, copies of the template.
clone_candidates() {
  sql "$(series "$2") INSERT INTO users (id, email, first_name, last_name, role, date_of_birth, sexe, hashed_password, email_verified,
    is_active, is_internal_candidate, candidate_status, statut, no_seeg_email, created_at, updated_at, search_folded)
    SELECT gen_random_uuid(), '$1-' || i || '@example.com', first_name, last_name, role, date_of_birth, sexe,
      hashed_password, email_verified, is_active, is_internal_candidate, candidate_status, statut, no_seeg_email,
      created_at, updated_at, replace(search_folded, email, '$1-' || i || '@example.com')
    FROM users, s WHERE email = 'bench-template@example.com'"
}

# log_in_candidates PREFIX COUNT: their access tokens on stdout, one a line, in order. Needs a running server.
log_in_candidates() {
  python3 - "$port" "$bench_password" "$1" "$2" <<'PY'
import http.client, json, sys, threading
from concurrent.futures import ThreadPoolExecutor

port, password, prefix, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
local = threading.local()

def log_in(i):
    if not hasattr(local, "conn"):
        local.conn = http.client.HTTPConnection("127.0.0.1", port)
    body = json.dumps({"email": f"{prefix}-{i}@example.com", "password": password})
    local.conn.request("POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"})
    answer = local.conn.getresponse()
    data = answer.read()
    if answer.status != 200:
        sys.exit(f"login {i}: {answer.status} {data[:200]!r}")
    return json.loads(data)["access_token"]

with ThreadPoolExecutor(4) as pool:
    print("\n".join(pool.map(log_in, range(1, count + 1))))
PY
}

# body_template OFFER_ID PDF_BYTES MODE FILE: the test suite's submission (tests/tests/api/applications.rs) for the
# offer, with three PDFs of PDF_BYTES (cv, cover_letter, diplome), as multipart/form-data (MODE multipart, boundary
# $bench_boundary) or as the JSON body with base64 documents (MODE base64). Each PDF holds @@TAG@@ where the client
# writes the request's 12-digit number (base64-encoded in the JSON body: the tag starts at a multiple of 3 bytes,
# so its base64 is a piece of the document's base64 of its own), so content-addressed storage dedupes nothing.
bench_boundary="----seegbench7MA4YWxkTrZu0gW"
body_template() {
  python3 - "$@" "$bench_boundary" <<'PY'
import base64, json, sys

offer_id, size, mode, path, boundary = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
TAG, TAG_BYTES = "@@TAG@@", 12
documents = [("cv", "cv.pdf"), ("cover_letter", "lettre.pdf"), ("diplome", "diplome.pdf")]
fields = {
    "job_offer_id": offer_id,
    "reference_contacts": "M. Obame, 077 00 00 00",
    "has_been_manager": False,
    "ref_entreprise": "[\"SEEG\",\"Total\"]", "ref_fullname": "Jean Obame", "ref_mail": "jean@exemple.ga",
    "ref_contact": "+241 01 02 03 04",
    "mtp_answers": {"reponses_metier": ["Réponse 1", "Réponse 2"], "reponses_talent": ["Réponse T"]},
}

def pdf(seed):
    """(head, rest): a valid PDF of `size` bytes is head + 12-byte tag + rest; len(head) is a multiple of 3."""
    head = f"%PDF-1.7\n% {seed} ".encode()
    head += b" " * (-len(head) % 3)
    body = bytearray(b"\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n3 0 obj << /Length 0 >> stream\n")
    trailer = b"\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    line = 0
    while len(head) + TAG_BYTES + len(body) + len(trailer) < size:
        body += f"BT /F1 11 Tf 72 {700 - line % 60 * 11} Td (Ligne {line} du document {seed}) Tj ET\n".encode()
        line += 1
    rest = bytes(body[: size - len(head) - TAG_BYTES - len(trailer)]) + trailer
    return head, rest

parts = {kind: pdf(f"{mode} {kind}") for kind, _ in documents}
if mode == "base64":
    body = dict(fields, documents=[
        {"document_type": kind, "file_name": file_name,
         "file_data": base64.b64encode(parts[kind][0]).decode() + TAG + base64.b64encode(parts[kind][1]).decode()}
        for kind, file_name in documents])
    out = json.dumps(body, ensure_ascii=False).encode()
else:
    out = bytearray()
    for key, value in fields.items():
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else \
            str(value).lower() if isinstance(value, bool) else value
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{text}\r\n'.encode()
    for kind, file_name in documents:
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{kind}"; filename="{file_name}"\r\n'
                f"Content-Type: application/pdf\r\n\r\n").encode()
        out += parts[kind][0] + TAG.encode() + parts[kind][1] + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
with open(path, "wb") as f:
    f.write(out)
PY
}

# The outbox by kind and state, with how many failed at least once, on one line.
outbox_summary() {
  sql "SELECT count(*), kind, state, count(*) FILTER (WHERE attempts > 0 AND last_error IS NOT NULL)
    FROM outbox_events GROUP BY kind, state ORDER BY kind, state" |
    awk -F'|' '{printf "%s%s %s %s", (NR > 1 ? "; " : ""), $1, $2, $3; if ($4 > 0) printf " (%s failed at least once)", $4}
      END {print (NR ? "" : "empty")}'
}

# The three most frequent errors of events not done.
outbox_errors() {
  sql "SELECT count(*), substr(last_error, 1, 240) FROM outbox_events
    WHERE last_error IS NOT NULL AND state <> 'done' GROUP BY last_error ORDER BY count(*) DESC LIMIT 3" |
    while IFS='|' read -r n error; do echo "  outbox error ($n events): $error"; done
}
