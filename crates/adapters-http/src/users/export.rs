//! `GET /api/v1/users/me/export` and `GET /api/v1/users/{user_id}/export` (B7): what the service holds about a
//! person, as one ZIP streamed as it is written (never built in memory: each document goes from the store to the
//! client in chunks). A thread of the blocking pool writes the archive (the `zip` crate is synchronous); an async
//! task feeds it the files, reading the documents from the store; bounded channels between the three keep what is
//! in flight to a few chunks, whatever the client's speed.
//!
//! Names inside the archive are ours only (ids and fixed names), never a file name a candidate chose: no path
//! in the archive can climb out of the folder it is unpacked into.

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use chrono::{Datelike as _, Timelike as _};
use futures_util::StreamExt as _;
use seeg_application::applications::ApplicationDocument;
use seeg_application::privacy::{ExportError, PersonalData};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use uuid::Uuid;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::applications::dto::{ApplicationBody, DocumentBody, HistoryBody};
use crate::auth::Caller;
use crate::auth::account::{CandidateProfileBody, UserBody};
use crate::emails::dto::EmailLogBody;
use crate::error::{ApiError, ErrorBody};
use crate::notifications::dto::NotificationBody;
use crate::request_id::audit_context;
use crate::routing::route;
use crate::state::ApiState;

/// Chunks handed to the client at once (and files or pieces of files queued for the writer).
const IN_FLIGHT: usize = 4;
/// Exports written at once by this process: each holds a thread of the blocking pool while it streams.
const AT_ONCE: usize = 4;
/// How long an export waits for its turn before 503 `server_busy`.
const TURN_WAIT: Duration = Duration::from_secs(10);
/// A client that reads nothing for this long loses its export (the thread and the turn are given back).
const STALL: Duration = Duration::from_secs(60);

/// The turns of `AT_ONCE`.
static TURNS: std::sync::LazyLock<Arc<Semaphore>> = std::sync::LazyLock::new(|| Arc::new(Semaphore::new(AT_ONCE)));
/// The writer hands the client its output in pieces of about this size.
const CHUNK: usize = 64 * 1024;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    // `/users/me/export` before `/users/{user_id}/export`, so that `me` is never read as an id.
    cfg.service(route("/api/v1/users/me/export").route(web::get().to(export_me)))
        .service(route("/api/v1/users/{user_id}/export").route(web::get().to(export_user)));
}

impl From<ExportError> for ApiError {
    fn from(error: ExportError) -> Self {
        match error {
            ExportError::NotFound => Self::NotFound,
            ExportError::Forbidden => Self::forbidden(error.to_string()),
            ExportError::Store(e) => e.into(),
        }
    }
}

/// The caller's own data, as a ZIP (B7): account, candidate profile, applications with their answers, history and
/// documents, notifications, e-mails received, and a `README.txt` in French describing each file.
#[utoipa::path(
    get,
    path = "/api/v1/users/me/export",
    operation_id = "export_my_data",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Archive ZIP des données personnelles", content_type = "application/zip", body = Vec<u8>),
        (status = 401, description = "Non authentifié", body = ErrorBody),
        (status = 503, description = "Trop d'exports en cours (`server_busy`, `Retry-After`)", body = ErrorBody),
    )
)]
pub(crate) async fn export_me(state: web::Data<ApiState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    let id = caller.0.id;
    export(&state, &caller, id).await
}

/// An account's data, as a ZIP (B7), for an administrator (a person's request made through the staff); the same
/// files as the person's own export, with the evaluations' outcomes of their applications.
#[utoipa::path(
    get,
    path = "/api/v1/users/{user_id}/export",
    operation_id = "export_user_data",
    tag = "Utilisateurs",
    security(("bearer" = [])),
    params(("user_id" = Uuid, Path, description = "Le compte")),
    responses(
        (status = 200, description = "Archive ZIP des données personnelles", content_type = "application/zip", body = Vec<u8>),
        (status = 401, description = "Non authentifié", body = ErrorBody),
        (status = 403, description = "Réservé aux administrateurs, sauf pour son propre compte", body = ErrorBody),
        (status = 404, description = "Compte introuvable", body = ErrorBody),
        (status = 422, description = "Identifiant invalide", body = ErrorBody),
        (status = 503, description = "Trop d'exports en cours (`server_busy`, `Retry-After`)", body = ErrorBody),
    )
)]
pub(crate) async fn export_user(
    state: web::Data<ApiState>,
    caller: Caller,
    user_id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    export(&state, &caller, user_id.into_inner()).await
}

async fn export(state: &ApiState, caller: &Caller, subject: Uuid) -> Result<HttpResponse, ApiError> {
    // A few at once: each gathers a person's rows and then holds a blocking thread while it streams.
    let turn = tokio::time::timeout(TURN_WAIT, Arc::clone(&TURNS).acquire_owned())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or(ApiError::Busy)?;
    let data = state.exports.export(&caller.0, subject, &audit_context()).await?;
    let files = files(&data)?;
    let (out, body) = mpsc::channel::<Result<Bytes, std::io::Error>>(IN_FLIGHT);
    let (feed, pieces) = mpsc::channel::<Piece>(IN_FLIGHT);
    let modified = zip_time(&data.exported_at);
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        write_archive(pieces, out, modified, &runtime);
        drop(turn);
    });
    let reads = state.reads.clone();
    tokio::spawn(async move { feed_archive(files, &reads, feed).await });
    let stream =
        futures_util::stream::unfold(body, |mut body| async move { body.recv().await.map(|chunk| (chunk, body)) });
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"donnees-personnelles-{subject}.zip\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(stream))
}

/// One file of the archive: its name, and its bytes or the document to read them from.
enum File {
    /// JSON or text, compressed.
    Text { name: String, bytes: Vec<u8> },
    /// A PDF from the store, stored as is (already compressed).
    Document { name: String, document: ApplicationDocument },
}

/// What the feeding task hands the writer.
enum Piece {
    /// A new file begins.
    Start { name: String, compressed: bool },
    /// Bytes of the current file.
    Bytes(Bytes),
    /// A document could not be read: the archive is abandoned (the client sees a cut download, never a partial
    /// archive that looks whole).
    Failed,
}

/// The archive's files, in order: README, account, profile, applications, notifications, e-mails, documents.
fn files(data: &PersonalData) -> Result<Vec<File>, ApiError> {
    let json = |name: &str, value: &Value| -> Result<File, ApiError> {
        let bytes = serde_json::to_vec_pretty(value).map_err(|e| ApiError::Unexpected(e.into()))?;
        Ok(File::Text { name: name.to_owned(), bytes })
    };
    let mut files = vec![File::Text { name: "README.txt".to_owned(), bytes: readme(data).into_bytes() }];
    files.push(json("compte.json", &json!(UserBody::from(&data.user)))?);
    let profile = data.profile.clone().map(CandidateProfileBody::from);
    files.push(json("profil_candidat.json", &json!(profile))?);
    let applications: Vec<Value> = data
        .applications
        .iter()
        .map(|exported| {
            let documents: Vec<Value> = exported
                .documents
                .iter()
                .map(|d| {
                    let mut body = json!(DocumentBody::from(d));
                    body["fichier_dans_l_archive"] = json!(document_path(d));
                    body
                })
                .collect();
            let evaluations: Vec<Value> = exported
                .evaluations
                .iter()
                .map(|e| json!({"protocole": e.protocol, "note_globale_sur_20": e.overall_score, "mise_a_jour": e.updated_at}))
                .collect();
            json!({
                "candidature": ApplicationBody::from(&exported.application),
                "documents": documents,
                "historique": exported.history.iter().map(HistoryBody::from).collect::<Vec<_>>(),
                "evaluations": evaluations,
            })
        })
        .collect();
    files.push(json("candidatures.json", &json!(applications))?);
    let notifications: Vec<NotificationBody> = data.notifications.iter().map(NotificationBody::from).collect();
    files.push(json("notifications.json", &json!(notifications))?);
    let emails: Vec<Value> = data
        .emails
        .iter()
        .map(|log| {
            let mut body = json!(EmailLogBody::from(log.clone()));
            // The person's own address only: the log row's recipients may name others (copies); for a row
            // addressed to the account, the address it had then (B7). No text: a security e-mail's holds a live
            // link (a password reset's token), which an export must never hand out.
            let then = Some(seeg_application::privacy::first_recipient(&log.to)).filter(|to| !to.is_empty());
            let address = match then {
                Some(then) if log.user_id == Some(data.user.id) => then,
                _ => data.user.email.as_str().to_owned(),
            };
            body["recipient_email"] = json!(address);
            body
        })
        .collect();
    files.push(json("emails.json", &json!(emails))?);
    for exported in &data.applications {
        for document in &exported.documents {
            files.push(File::Document { name: document_path(document), document: document.clone() });
        }
    }
    Ok(files)
}

/// Where a document goes in the archive: ids only.
fn document_path(document: &ApplicationDocument) -> String {
    format!("documents/{}/{}.pdf", document.application_id, document.id)
}

fn readme(data: &PersonalData) -> String {
    let evaluations = if data.by_administrator {
        "les résultats des évaluations de chaque candidature (protocole, note globale sur 20), export fait par un administrateur"
    } else {
        "vide : les évaluations internes ne sont communiquées que sur demande adressée à l'administrateur"
    };
    format!(
        "Données personnelles détenues par la SEEG (service de recrutement)\n\
         Export du {exported} (UTC), compte {id}.\n\
         \n\
         Fichiers :\n\
         - compte.json : votre compte (identité, coordonnées, rôle, statut, dates).\n\
         - profil_candidat.json : votre profil de candidat (null si vous n'en avez pas).\n\
         - candidatures.json : vos candidatures, avec vos réponses aux questions Métier, Talent et Paradigme,\n\
         \x20 la description de chaque document (et son fichier dans cette archive, champ\n\
         \x20 fichier_dans_l_archive), l'historique des étapes (dates et statuts) et, dans evaluations : {evaluations}.\n\
         - notifications.json : les notifications reçues dans l'application.\n\
         - emails.json : les e-mails qui vous ont été adressés (objet, type, état de l'envoi, dates ; pas leur texte).\n\
         - documents/<candidature>/<document>.pdf : les documents déposés, tels que reçus.\n\
         \n\
         Les dates sont en UTC au format RFC 3339. Pour toute question ou pour demander l'effacement de vos\n\
         données, adressez-vous à l'administrateur du service de recrutement.\n",
        exported = data.exported_at.format("%Y-%m-%d %H:%M:%S"),
        id = data.user.id,
    )
}

fn zip_time(at: &chrono::DateTime<chrono::Utc>) -> zip::DateTime {
    let field = |n: u32| u8::try_from(n).unwrap_or(0);
    u16::try_from(at.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                field(at.month()),
                field(at.day()),
                field(at.hour()),
                field(at.minute()),
                field(at.second()),
            )
            .ok()
        })
        .unwrap_or_default()
}

/// Hands the writer each file in turn, reading documents from the store chunk by chunk.
async fn feed_archive(
    files: Vec<File>,
    reads: &seeg_application::applications::ApplicationReads,
    feed: mpsc::Sender<Piece>,
) {
    for file in files {
        match file {
            File::Text { name, bytes } => {
                if feed.send(Piece::Start { name, compressed: true }).await.is_err()
                    || feed.send(Piece::Bytes(bytes.into())).await.is_err()
                {
                    return; // the client is gone
                }
            }
            File::Document { name, document } => {
                if feed.send(Piece::Start { name, compressed: false }).await.is_err() {
                    return;
                }
                let mut stream = match reads.open(&document, None).await {
                    Ok(stream) => stream,
                    Err(error) => {
                        tracing::error!(document.id = %document.id, error = %format!("{error:#}"), "export: a document cannot be read");
                        let _ = feed.send(Piece::Failed).await;
                        return;
                    }
                };
                while let Some(chunk) = stream.next().await {
                    let piece = match chunk {
                        Ok(bytes) => Piece::Bytes(bytes),
                        Err(error) => {
                            tracing::error!(document.id = %document.id, error = %format!("{error:#}"), "export: a document read failed");
                            Piece::Failed
                        }
                    };
                    let failed = matches!(piece, Piece::Failed);
                    if feed.send(piece).await.is_err() || failed {
                        return;
                    }
                }
            }
        }
    }
}

/// Writes the archive from `pieces` into `out` (runs on the blocking pool).
fn write_archive(
    mut pieces: mpsc::Receiver<Piece>,
    out: mpsc::Sender<Result<Bytes, std::io::Error>>,
    modified: zip::DateTime,
    runtime: &tokio::runtime::Handle,
) {
    let errors = out.clone();
    let mut zip =
        ZipWriter::new_stream(ChannelWriter { out, buffer: Vec::with_capacity(CHUNK), runtime: runtime.clone() });
    let written = (|| -> zip::result::ZipResult<()> {
        while let Some(piece) = pieces.blocking_recv() {
            match piece {
                Piece::Start { name, compressed } => {
                    let method = if compressed { CompressionMethod::Deflated } else { CompressionMethod::Stored };
                    let options = SimpleFileOptions::default()
                        .compression_method(method)
                        .last_modified_time(modified)
                        .unix_permissions(0o644)
                        .large_file(true);
                    zip.start_file(name, options)?;
                }
                Piece::Bytes(bytes) => zip.write_all(&bytes)?,
                Piece::Failed => return Err(std::io::Error::other("document illisible").into()),
            }
        }
        zip.finish()?.into_inner().flush()?;
        Ok(())
    })();
    if let Err(error) = written {
        // The client may simply have gone; either way the download ends in an error, never as a whole archive.
        tracing::warn!(error = %error, "export archive not completed");
        let _ = errors.try_send(Err(std::io::Error::other("archive interrompue")));
    }
}

/// A `Write` handing its bytes to the response in pieces of `CHUNK`.
struct ChannelWriter {
    out: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
    runtime: tokio::runtime::Handle,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let piece = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK)));
        // A client that stops reading is let go after `STALL`, never holding the thread for ever.
        match self.runtime.block_on(tokio::time::timeout(STALL, self.out.send(Ok(piece)))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe)),
            Err(_) => Err(std::io::Error::from(std::io::ErrorKind::TimedOut)),
        }
    }
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_archive_time_is_the_export_s_and_out_of_range_years_fall_back() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-06T07:45:12Z").unwrap().to_utc();
        let time = zip_time(&at);
        assert_eq!((time.year(), time.month(), time.day(), time.hour(), time.minute()), (2026, 12, 6, 7, 45));
        let early = chrono::DateTime::parse_from_rfc3339("1970-01-01T00:00:00Z").unwrap().to_utc();
        assert_eq!(zip_time(&early), zip::DateTime::default());
    }

    #[test]
    fn document_paths_hold_ids_only() {
        let document = ApplicationDocument {
            id: Uuid::nil(),
            application_id: Uuid::max(),
            document_type: seeg_domain::applications::DocumentType::Cv,
            file_name: "../../etc/passwd.pdf".to_owned(),
            file_size: 1,
            file_type: "application/pdf".to_owned(),
            storage_key: "k".to_owned(),
            sha256: String::new(),
            uploaded_at: chrono::DateTime::UNIX_EPOCH,
        };
        assert_eq!(document_path(&document), format!("documents/{}/{}.pdf", Uuid::max(), Uuid::nil()));
    }
}
