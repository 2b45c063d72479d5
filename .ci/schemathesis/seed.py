"""Seeds a throwaway `seeg serve` for the schema fuzzing (.ci/schemathesis.sh), through the API only.

`accounts BASE OUT`: logs in the bootstrap administrator (SEEG_FUZZ_ADMIN_EMAIL / SEEG_FUZZ_PASSWORD), creates a
recruiter and an observer through `POST /auth/create-user`, signs a candidate up, logs each in and writes their
tokens and ids to OUT (JSON).

`world BASE ACCOUNTS ROLE OUT`: creates fresh objects for ROLE's run (two offers, the candidate's application with
its PDFs, moved to `incubation`, an interview slot, both evaluations, a note, a pending access request, a user the
administrator may delete) and writes a schemathesis configuration to OUT: ROLE's bearer token, and each path id
bound to a dictionary of these real ids (most cases use one, the rest are generated), so that the operations
reach their handlers instead of answering 404. Each run gets its own objects: what one role deletes or moves does
not change what the next one meets.

Any refusal while seeding stops the script with a message (the fuzzing would be meaningless otherwise).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import sqlite3
import sys
import uuid

import requests

PASSWORD = os.environ.get("SEEG_FUZZ_PASSWORD", "")
TIMEOUT = 30


def fail(message: str) -> None:
    sys.exit(f"seed: {message}")


def call(base: str, method: str, path: str, token: str | None = None, body: object = None, expect=(200, 201)):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = requests.request(method, base + path, json=body, headers=headers, timeout=TIMEOUT)
    if answer.status_code not in expect:
        fail(f"{method} {path} answered {answer.status_code}: {answer.text[:500]}")
    return answer.json() if answer.content else None


def log_in(base: str, email: str) -> dict:
    answer = call(base, "POST", "/api/v1/auth/login", body={"email": email, "password": PASSWORD})
    return {"email": email, "token": answer["access_token"], "id": answer["user"]["id"]}


def accounts(base: str, out: str) -> None:
    if len(PASSWORD) < 12:
        fail("SEEG_FUZZ_PASSWORD is not set")
    admin = log_in(base, os.environ["SEEG_FUZZ_ADMIN_EMAIL"])
    found = {"admin": admin}
    for role in ("recruiter", "observer"):
        email = f"{role}.fuzz@seeg-gabon.com"
        body = {"email": email, "password": PASSWORD, "first_name": "Fuzz", "last_name": role.capitalize(),
                "role": role, "phone": "+241 06 00 00 00", "sexe": "F"}
        call(base, "POST", "/api/v1/auth/create-user", admin["token"], body)
        found[role] = log_in(base, email)
    email = "candidat.fuzz@example.com"
    call(base, "POST", "/api/v1/auth/signup", body=signup(email, "externe"))
    found["candidate"] = log_in(base, email)
    with open(out, "w", encoding="utf-8") as file:
        json.dump(found, file)


def signup(email: str, kind: str, no_seeg_email: bool = False, matricule: int | None = None) -> dict:
    return {"email": email, "password": PASSWORD, "first_name": "Awa", "last_name": "Mba",
            "phone": "+241 01 23 45 67", "date_of_birth": "1992-08-20", "sexe": "F", "candidate_status": kind,
            "no_seeg_email": no_seeg_email, "matricule": matricule}


def pdf(label: str) -> str:
    data = f"%PDF-1.7\n% {label}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return base64.b64encode(data.encode()).decode()


def offer(title: str) -> dict:
    deadline = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=30)).replace(microsecond=0)
    return {"title": title, "description": "Exploiter et fiabiliser le réseau de distribution électrique.",
            "location": "Libreville", "contract_type": "cdd", "department": "Direction de l'Électricité",
            "salary_min": 500000, "salary_max": 900000, "requirements": ["BTS électrotechnique"], "benefits": [],
            "status": "active", "offer_status": "tous", "application_deadline": deadline.isoformat(),
            "questions_mtp": {"questions_metier": ["Métier ?"], "questions_talent": ["Talent ?"]}}


def world(base: str, accounts_file: str, role: str, out: str) -> None:
    with open(accounts_file, encoding="utf-8") as file:
        people = json.load(file)
    admin, recruiter, candidate = people["admin"], people["recruiter"], people["candidate"]
    tag = uuid.uuid4().hex[:8]
    applied = call(base, "POST", "/api/v1/jobs/", recruiter["token"], offer(f"Technicien réseau {tag}"))
    spare = call(base, "POST", "/api/v1/jobs/", recruiter["token"], offer(f"Électricien {tag}"))
    job_ids = [applied["id"], spare["id"]]
    submission = {
        "job_offer_id": applied["id"], "has_been_manager": False, "ref_entreprise": "SEEG",
        "ref_fullname": "Jean Obame", "ref_mail": "jean@exemple.ga", "ref_contact": "+241 01 02 03 04",
        "mtp_answers": {"reponses_metier": ["Oui"], "reponses_talent": ["Rigueur"]},
        "documents": [{"document_type": kind, "file_name": f"{kind}.pdf", "file_data": pdf(f"{tag} {kind}")}
                      for kind in ("cv", "cover_letter", "diplome")],
    }
    application = call(base, "POST", "/api/v1/applications/", candidate["token"], submission)["data"]
    application_id = application["id"]
    documents = call(base, "GET", f"/api/v1/applications/{application_id}/documents", candidate["token"])
    document_ids = [d["id"] for d in documents["data"]]
    call(base, "POST", f"/api/v1/applications/{application_id}/history", recruiter["token"],
         {"notes": "Dossier complet"})
    call(base, "PUT", f"/api/v1/applications/{application_id}", recruiter["token"], {"status": "incubation"})
    # One day per run: a slot is unique by date and time.
    day = (dt.date.today() + dt.timedelta(days=14 + ["candidate", "observer", "recruiter", "admin"].index(role))).isoformat()
    slot = call(base, "POST", "/api/v1/interviews/slots", recruiter["token"],
                {"date": day, "time": "09:30:00", "application_id": application_id, "location": "Libreville"})
    evaluations = [call(base, "POST", f"/api/v1/evaluations/{protocol}", recruiter["token"],
                        {"application_id": application_id})["id"] for protocol in ("protocol1", "protocol2")]
    victim = call(base, "POST", "/api/v1/auth/create-user", admin["token"],
                  {"email": f"victime.{tag}@seeg-gabon.com", "password": PASSWORD, "first_name": "Victime",
                   "last_name": "Fuzz", "role": "observer", "phone": "+241 06 00 00 01", "sexe": "M"})
    call(base, "POST", "/api/v1/auth/signup", body=signup(f"agent.{tag}@example.com", "interne", True, 100000 + int(tag, 16) % 900000))
    pending = call(base, "GET", "/api/v1/access-requests/?status=pending", admin["token"])
    me = people[role]
    notifications = call(base, "GET", "/api/v1/notifications/", me["token"])
    ids = {
        "job_id": job_ids,
        "application_id": [application_id],
        "document_id": document_ids,
        "slot_id": [slot["id"]],
        "evaluation_id": evaluations,
        "notification_id": [n["id"] for n in notifications.get("data", notifications.get("notifications", []))],
        # Not the caller's own id: a candidate may delete its own account, and its token with it.
        "user_id": [victim["id"]] + ([candidate["id"]] if role != "candidate" else []),
        "candidate_id": [candidate["id"]],
        "event_id": outbox_ids(os.environ.get("SEEG_FUZZ_DB", "")),
        "request_id": [r["id"] for r in pending.get("data", [])],
    }
    print("seed: real ids: " + ", ".join(f"{name} {len(values)}" for name, values in ids.items()), file=sys.stderr)
    write_config(out, me["token"], ids, {"job_offer_id": job_ids, "application_id": [application_id],
                                         "candidate_id": [candidate["id"]]}, me["id"], victim["id"])


def outbox_ids(database: str) -> list[str]:
    """A few outbox events' ids (e-mails, exports of this world), read from the server's SQLite file: no route lists
    them, and `POST /admin/outbox/{event_id}/retry` needs one to reach its handler."""
    if not database:
        return []
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT id FROM outbox_events ORDER BY created_at DESC LIMIT 3").fetchall()
    return [str(uuid.UUID(bytes=row[0])) if isinstance(row[0], bytes) else str(row[0]) for row in rows]


def write_config(out: str, token: str, path_ids: dict, query_ids: dict, me: str, victim: str) -> None:
    """A schemathesis.toml: the hooks, the token in every request, and each id parameter drawn from a dictionary of
    real ids in 80% of the cases (TOML written by hand: the values are UUIDs, a JWT and a hex secret, no quoting
    needed); the caller's and the victim's ids for the hooks go in OUT.env."""
    hooks = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hooks.py")
    lines = [f'hooks = "{hooks}"', f'headers = {{ Authorization = "Bearer {token}" }}', ""]
    with open(out + ".env", "w", encoding="utf-8") as file:
        file.write(f"export SEEG_FUZZ_SELF_ID={me} SEEG_FUZZ_VICTIM_ID={victim}\n")
    webhook = os.environ.get("SEEG_FUZZ_WEBHOOK_SECRET", "")
    if webhook:
        lines.append(f'[dictionaries.header_webhook]\nvalues = ["{webhook}"]\n')
    bindings = []
    for location, table in (("path", path_ids), ("query", query_ids), ("body", {"request_id": path_ids["request_id"],
                                                                                "application_id": path_ids["application_id"],
                                                                                "job_offer_id": path_ids["job_id"]})):
        for name, values in table.items():
            if not values:
                continue
            dictionary = f"{location}_{name}"
            quoted = ", ".join(f'"{v}"' for v in values)
            lines.append(f"[dictionaries.{dictionary}]\nvalues = [{quoted}]\n")
            bindings.append(f'"{location}.{name}" = {{ dictionary = "{dictionary}", probability = 0.8 }}')
    if webhook:
        bindings.append('"header.X-Webhook-Token" = { dictionary = "header_webhook", probability = 0.8 }')
    lines.append("[parameters]")
    lines.extend(bindings)
    with open(out, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    if sys.argv[1:2] == ["accounts"] and len(sys.argv) == 4:
        accounts(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["world"] and len(sys.argv) == 6:
        world(*sys.argv[2:6])
    else:
        fail("usage: seed.py accounts BASE OUT | seed.py world BASE ACCOUNTS ROLE OUT")
