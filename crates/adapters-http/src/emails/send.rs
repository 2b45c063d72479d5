//! `POST /emails/send` and `POST /emails/send-interview-email` (legacy §1.12, S8): recruiters and admins only,
//! refused before the body is read; the message is queued with its log row (outbox), never sent inline.

use actix_web::{HttpResponse, web};
use seeg_application::mail::{InterviewConvocation, ManualMail};
use seeg_domain::interviews::{parse_date, parse_time};

use super::dto::{EmailQueued, InterviewEmailRequest, SendEmailRequest};
use crate::auth::Caller;
use crate::body::Deferred;
use crate::error::{ApiError, ErrorBody};
use crate::params::uuid_field;
use crate::request_id::audit_context;
use crate::state::ApiState;

/// Queues a message written by staff. Its text is escaped into the service's layout, and so is `html_body`
/// (caller HTML is never sent as HTML, S8); subject and addresses may not carry a line break (header
/// injection); 50 recipients at most. Audited (ids only).
#[utoipa::path(
    post,
    path = "/api/v1/emails/send",
    operation_id = "send_email",
    tag = "E-mails",
    security(("bearer" = [])),
    request_body = SendEmailRequest,
    responses(
        (status = 201, description = "Mis en file d'envoi (outbox)", body = EmailQueued),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 413, description = "Corps de requête trop volumineux", body = ErrorBody),
        (status = 422, description = "Adresse invalide, objet vide, trop long ou avec retour à la ligne, corps \
         vide ou trop long, plus de 50 destinataires", body = ErrorBody),
    )
)]
pub(crate) async fn send_email(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<SendEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    state.mail.may_send(&caller.0)?;
    let body = body.read().await?;
    let mail = ManualMail::parse(
        &body.to,
        body.cc.as_deref().unwrap_or_default(),
        body.bcc.as_deref().unwrap_or_default(),
        &body.subject,
        &body.body,
        body.html_body.as_deref(),
    )?;
    let id = state.mail.send(&caller.0, mail, &audit_context()).await?;
    Ok(HttpResponse::Created()
        .json(EmailQueued { success: true, message: "Email envoyé avec succès", message_id: id }))
}

/// Queues an interview convocation ("Convocation à l'entretien - {job_title}"): day, time (shown as HH:MM),
/// place (the head office's meeting room by default) and notes, every text escaped (S8); the greeting follows
/// R38 when the address is an account whose sex is known. `application_id`, when given, must exist and is kept
/// on the log row. Audited.
#[utoipa::path(
    post,
    path = "/api/v1/emails/send-interview-email",
    operation_id = "send_interview_email",
    tag = "E-mails",
    security(("bearer" = [])),
    request_body = InterviewEmailRequest,
    responses(
        (status = 201, description = "Mis en file d'envoi (outbox)", body = EmailQueued),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Réservé aux recruteurs et administrateurs", body = ErrorBody),
        (status = 404, description = "Candidature inconnue", body = ErrorBody),
        (status = 413, description = "Corps de requête trop volumineux", body = ErrorBody),
        (status = 422, description = "Adresse, date (AAAA-MM-JJ), heure (HH:MM ou HH:MM:SS) ou autre champ \
         invalide", body = ErrorBody),
    )
)]
pub(crate) async fn send_interview_email(
    state: web::Data<ApiState>,
    caller: Caller,
    body: Deferred<InterviewEmailRequest>,
) -> Result<HttpResponse, ApiError> {
    state.mail.may_send(&caller.0)?;
    let body = body.read().await?;
    let date = parse_date(body.date.trim())
        .map_err(|_| ApiError::invalid("body.date", "« date » : format attendu AAAA-MM-JJ (ex. 2026-12-31)"))?;
    let time = body.time.trim();
    // HH:MM is HH:MM:00; seconds are not shown.
    let time = if time.len() == 5 { parse_time(&format!("{time}:00")) } else { parse_time(time) }
        .map_err(|_| ApiError::invalid("body.time", "« time » : format attendu HH:MM ou HH:MM:SS (ex. 09:30)"))?;
    let application_id = body
        .application_id
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|raw| uuid_field("body.application_id", raw).map_err(|e| ApiError::Validation(vec![e])))
        .transpose()?;
    let convocation = InterviewConvocation::parse(
        &body.to,
        &body.candidate_full_name,
        &body.job_title,
        date,
        time,
        body.location.as_deref(),
        application_id,
        body.additional_notes.as_deref(),
    )?;
    let id = state.mail.send_interview(&caller.0, convocation, &audit_context()).await?;
    Ok(HttpResponse::Created().json(EmailQueued {
        success: true,
        message: "Email d'entretien envoyé avec succès",
        message_id: id,
    }))
}
