//! The operator's commands through the real binary, in an empty folder on the embedded SQLite default:
//! `seeg agents import FILE.csv`, `seeg admin create` and `seeg privacy retention [--dry-run]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use std::path::Path;
use std::process::{Command, Output, Stdio};

use seeg_adapters_postgres::Database;
use seeg_application::Page;
use seeg_application::identity::{Agent, AgentDirectory, AuditFilter, AuditRepository, UserRepository};
use seeg_domain::identity::{Role, UserStatus};
use uuid::Uuid;

const BIN: &str = env!("CARGO_BIN_EXE_seeg");
const PASSWORD: &str = "Administrateur#2026";

/// `seeg` in `dir`, isolated from the caller's environment, with cheap hashes and no standard input (so a
/// password prompt could never wait for a person).
fn seeg(dir: &Path) -> Command {
    let mut command = Command::new(BIN);
    command
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("APP_ENV")
        .env_remove("SEEG_ADMIN_PASSWORD")
        .env_remove("BOOTSTRAP_ADMIN_EMAIL")
        .env_remove("BOOTSTRAP_ADMIN_PASSWORD")
        .env("APP__LOG__LEVEL", "warn")
        .env("APP__AUTH__BCRYPT_COST", "4")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned).collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

async fn open(dir: &Path) -> Database {
    Database::connect(&format!("sqlite://{}", dir.join("data/seeg.db").display()), 1).await.unwrap()
}

fn agent(matricule: i32, last_name: Option<&str>, first_name: Option<&str>) -> Agent {
    Agent { matricule, last_name: last_name.map(str::to_owned), first_name: first_name.map(str::to_owned) }
}

#[tokio::test]
async fn agents_import_reports_the_bad_line_and_upserts_by_matricule() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("agents.csv");
    // A legacy export: byte order mark, `;`, `Nom ` with a trailing space, `Prénom`, CRLF.
    std::fs::write(
        &file,
        "\u{feff}Matricule;Nom ;Prénom\r\n1001;MBA;Awa\r\n1002;NDONG;Jean\r\nABC;OBAME;Paul\r\n1003;;\r\n",
    )
    .unwrap();
    let summary = "Import terminé : 4 ligne(s) lue(s), 3 agent(s) importé(s), 1 ligne(s) ignorée(s).";

    let first = seeg(dir.path()).args(["agents", "import", "agents.csv"]).output().unwrap();
    assert!(first.status.success(), "a bad line is not a failure: {}", stderr(&first));
    assert_eq!(stdout_lines(&first), ["ligne 4 : matricule non numérique", summary]);

    // The corrected list, imported again: the same counts, and the names replaced rather than duplicated.
    std::fs::write(
        &file,
        "\u{feff}Matricule;Nom ;Prénom\r\n1001;MBA ONDO;Awa\r\n1002;NDONG;Jean\r\nABC;OBAME;Paul\r\n1003;;\r\n",
    )
    .unwrap();
    let again = seeg(dir.path()).args(["agents", "import", file.to_str().unwrap()]).output().unwrap();
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout_lines(&again), ["ligne 4 : matricule non numérique", summary]);

    let database = open(dir.path()).await;
    assert_eq!(database.find(1001).await.unwrap(), Some(agent(1001, Some("MBA ONDO"), Some("Awa"))));
    assert_eq!(database.find(1002).await.unwrap(), Some(agent(1002, Some("NDONG"), Some("Jean"))));
    assert_eq!(database.find(1003).await.unwrap(), Some(agent(1003, None, None)));
    // B2: each import is one line of the audit trail.
    let imports = AuditFilter { action: Some("agents.imported".to_owned()), ..AuditFilter::default() };
    let trail = AuditRepository::list(&database, &imports, Page { skip: 0, limit: 10 }).await.unwrap();
    assert_eq!(trail.total, 2);
    assert_eq!(trail.items[0].target_type.as_deref(), Some("seeg_agents"));
    database.close().await.unwrap();
}

#[test]
fn agents_import_fails_only_when_the_file_cannot_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let missing = seeg(dir.path()).args(["agents", "import", "absent.csv"]).output().unwrap();
    assert!(!missing.status.success());
    assert!(stderr(&missing).contains("lecture de absent.csv"), "{}", stderr(&missing));

    std::fs::write(dir.path().join("autre.csv"), "Code;Libellé\n1;DSI\n").unwrap();
    let wrong = seeg(dir.path()).args(["agents", "import", "autre.csv"]).output().unwrap();
    assert!(!wrong.status.success());
    assert!(stderr(&wrong).contains("l'en-tête n'a pas de colonne matricule, nom, prénom"), "{}", stderr(&wrong));
}

#[tokio::test]
async fn admin_create_takes_the_password_from_the_environment_and_refuses_a_second_account_for_the_e_mail() {
    let dir = tempfile::tempdir().unwrap();
    let create = |password: &str, email: &str| {
        seeg(dir.path())
            .env("SEEG_ADMIN_PASSWORD", password)
            .args(["admin", "create", "--email", email, "--first-name", " Awa ", "--last-name", "Mba"])
            .output()
            .unwrap()
    };

    let created = create(PASSWORD, "Awa.Mba@SEEG-Gabon.com");
    assert!(created.status.success(), "{}", stderr(&created));
    let lines = stdout_lines(&created);
    let id =
        lines.first().and_then(|l| l.strip_prefix("Administrateur créé : ")).unwrap_or_else(|| panic!("{lines:?}"));
    let id: Uuid = id.parse().unwrap();
    let output = format!("{lines:?}{}", stderr(&created));
    assert!(!output.contains(PASSWORD), "the password is never printed");

    let database = open(dir.path()).await;
    let admin = database.get(id).await.unwrap().unwrap();
    assert_eq!(admin.email, "awa.mba@seeg-gabon.com");
    assert_eq!((admin.first_name.as_str(), admin.last_name.as_str()), ("Awa", "Mba"));
    assert_eq!((admin.role, admin.status, admin.candidate_kind), (Role::Admin, UserStatus::Active, None));
    assert!(admin.password_hash.starts_with("$2b$04$"), "bcrypt at the configured cost");
    let trail = AuditRepository::list(&database, &AuditFilter::default(), Page { skip: 0, limit: 10 }).await.unwrap();
    assert_eq!(trail.items.len(), 1);
    let event = &trail.items[0];
    assert_eq!(
        (event.action.as_str(), event.actor_id, event.target_id.clone()),
        ("user.created", None, Some(id.to_string()))
    );
    assert_eq!(event.changed_fields, ["email", "first_name", "last_name", "role", "statut", "password"]);
    database.close().await.unwrap();

    let duplicate = create(PASSWORD, "awa.mba@seeg-gabon.com");
    assert!(!duplicate.status.success());
    assert!(stderr(&duplicate).contains("Un utilisateur avec cet email existe déjà"), "{}", stderr(&duplicate));

    let weak = create("motdepasse", "autre.admin@seeg-gabon.com");
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("Le mot de passe doit"), "{}", stderr(&weak));
    assert!(!stderr(&weak).contains("motdepasse"), "the password is never repeated");

    let another = create(PASSWORD, "encore.admin@seeg-gabon.com");
    assert!(another.status.success(), "more admins may follow the first: {}", stderr(&another));
    let no_name = seeg(dir.path())
        .env("SEEG_ADMIN_PASSWORD", PASSWORD)
        .args(["admin", "create", "--email", "x@seeg-gabon.com", "--first-name", " ", "--last-name", "Mba"])
        .output()
        .unwrap();
    assert!(!no_name.status.success());
    assert!(stderr(&no_name).contains("--first-name: Le nom est vide"), "{}", stderr(&no_name));
}

/// `seeg privacy retention`: the dry run prints the inactive candidate's id and dates, and a count line, and sends
/// nothing; the pass warns it once. The binary's eraser erases nobody until the erasure is merged in.
#[tokio::test]
async fn privacy_retention_lists_then_warns_the_inactive_candidate_by_id_only() {
    use seeg_application::mail::{EmailLogFilter, EmailLogRepository};
    use seeg_application::{Clock as _, SystemClock, UnitOfWork};

    let dir = tempfile::tempdir().unwrap();
    let migrated = seeg(dir.path()).args(["migrate", "up"]).output().unwrap();
    assert!(migrated.status.success(), "{}", stderr(&migrated));
    let database = open(dir.path()).await;
    let long_ago = SystemClock.now() - chrono::TimeDelta::days(800);
    let mut inactive = seeg_tests::users::user("inactif@example.com");
    (inactive.created_at, inactive.updated_at) = (long_ago, long_ago);
    let mut recent = seeg_tests::users::user("recent@example.com");
    (recent.created_at, recent.updated_at) = (SystemClock.now(), SystemClock.now());
    let uow: &dyn UnitOfWork = &database;
    let mut tx = uow.begin().await.unwrap();
    tx.users().insert(&inactive).await.unwrap();
    tx.users().insert(&recent).await.unwrap();
    tx.commit().await.unwrap();
    database.close().await.unwrap();
    let retention = |extra: &[&str]| {
        let output = seeg(dir.path()).args(["privacy", "retention"]).args(extra).output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stdout_lines(&output)
    };

    let planned = retention(&["--dry-run"]);
    assert_eq!(planned.len(), 3, "{planned:?}");
    let day = long_ago.format("%Y-%m-%d").to_string();
    assert!(planned[1].starts_with(&format!("avertir  {} {day} ", inactive.id)), "{planned:?}");
    assert!(planned[1].ends_with(" -"), "never warned: {planned:?}");
    assert_eq!(planned[2], "1 compte(s) : 1 à avertir, 0 à effacer (simulation, rien n'a été modifié)");
    assert!(!planned.concat().contains("@example.com"), "ids only");

    let logs = |database: Database| async move {
        let found = EmailLogRepository::list(&database, &EmailLogFilter::default(), Page { skip: 0, limit: 10 })
            .await
            .unwrap()
            .items;
        database.close().await.unwrap();
        found.into_iter().map(|l| (l.kind, l.to)).collect::<Vec<_>>()
    };
    assert_eq!(logs(open(dir.path()).await).await, [], "a dry run sends nothing");
    assert_eq!(retention(&[]), ["avertis : 1", "effacés : 0", "ignorés : 0", "échecs : 0"]);
    assert_eq!(retention(&[]), ["avertis : 0", "effacés : 0", "ignorés : 0", "échecs : 0"], "warned once");
    let sent = logs(open(dir.path()).await).await;
    assert_eq!(sent, [("retention_warning".to_owned(), "inactif@example.com".to_owned())]);
}
