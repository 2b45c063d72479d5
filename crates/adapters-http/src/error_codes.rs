//! Every stable `code` an error body carries (decision F1), with its HTTP status and its French meaning.
//!
//! One list, written once: errors carry an `ErrorCode` (never a free string), the status of a response is its
//! code's, and the catalogue published in OpenAPI and in `docs/errors.md` is generated from this list. Tests check
//! that every code is returned somewhere in the crate and that `docs/errors.md` is the generated one.

use std::fmt::Write as _;

use actix_web::http::StatusCode;

macro_rules! error_codes {
    ($($variant:ident = ($code:literal, $status:ident, $meaning:literal),)*) => {
        /// A stable error code (F1): what a program reads in the `code` of an error body.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $(#[doc = $meaning] $variant,)*
        }

        impl ErrorCode {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Self] = &[$(Self::$variant,)*];

            /// The code as it is sent: `not_found`, `email_taken`, …
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            /// The status of every response with this code.
            pub const fn status(self) -> StatusCode {
                match self { $(Self::$variant => StatusCode::$status,)* }
            }

            /// What the code means, in French, for the catalogue.
            pub const fn meaning(self) -> &'static str {
                match self { $(Self::$variant => $meaning,)* }
            }

            /// The variant's name, as it is written in the code (`ErrorCode::NotFound`).
            #[cfg(test)]
            const fn variant_name(self) -> &'static str {
                match self { $(Self::$variant => stringify!($variant),)* }
            }
        }
    };
}

error_codes! {
    NotFound = ("not_found", NOT_FOUND, "La ressource n'existe pas ou n'est pas visible pour l'appelant."),
    RouteNotFound = ("route_not_found", NOT_FOUND, "Aucune route ne correspond à l'adresse demandée."),
    MethodNotAllowed = ("method_not_allowed", METHOD_NOT_ALLOWED, "La route existe mais pas pour cette méthode HTTP."),
    ValidationError = ("validation_error", UNPROCESSABLE_ENTITY, "Un paramètre ou un champ est invalide ; `errors` les liste."),
    BadRequest = ("bad_request", BAD_REQUEST, "La requête est mal formée."),
    MalformedForm = ("malformed_form", BAD_REQUEST, "Formulaire multipart illisible : partie interrompue, texte qui n'est pas de l'UTF-8."),
    RateLimited = ("rate_limited", TOO_MANY_REQUESTS, "Trop de requêtes : voir `Retry-After` et `X-RateLimit-*` (S6)."),
    PayloadTooLarge = ("payload_too_large", PAYLOAD_TOO_LARGE, "Le corps de la requête dépasse la limite."),
    UploadQuotaExceeded = ("upload_quota_exceeded", TOO_MANY_REQUESTS, "Trop de documents envoyés sans candidature enregistrée dans le délai de nettoyage : voir `Retry-After` (S11)."),
    NotAuthenticated = ("not_authenticated", UNAUTHORIZED, "Aucun jeton `Authorization: Bearer` fourni."),
    InvalidToken = ("invalid_token", UNAUTHORIZED, "Jeton invalide, expiré, d'un autre type, ou compte qui n'est plus actif."),
    InvalidWebhookToken = ("invalid_webhook_token", UNAUTHORIZED, "En-tête `X-Webhook-Token` absent ou différent du secret du webhook (S9)."),
    InvalidCredentials = ("invalid_credentials", UNAUTHORIZED, "E-mail ou mot de passe incorrect (même réponse dans les deux cas)."),
    InvalidRefreshToken = ("invalid_refresh_token", UNAUTHORIZED, "Jeton de renouvellement invalide, expiré, déjà utilisé ou révoqué."),
    WrongCurrentPassword = ("wrong_current_password", UNAUTHORIZED, "Mot de passe actuel incorrect."),
    InvalidResetToken = ("invalid_reset_token", BAD_REQUEST, "Jeton de réinitialisation inconnu, déjà utilisé ou expiré (1 h, usage unique)."),
    FieldNotSelfEditable = ("field_not_self_editable", FORBIDDEN, "Champ réservé aux administrateurs dans `PUT /users/me` (S2) ; rien n'est modifié."),
    Forbidden = ("forbidden", FORBIDDEN, "Rôle insuffisant pour cette action (matrice des permissions S3)."),
    OwnAccessUnchangeable = ("own_access_unchangeable", BAD_REQUEST, "Un administrateur ne peut pas modifier son propre rôle ni son propre statut."),
    AccountNotActive = ("account_not_active", FORBIDDEN, "Mot de passe correct mais compte en attente, bloqué, inactif ou archivé."),
    OwnAccountUndeletable = ("own_account_undeletable", BAD_REQUEST, "Un administrateur ne peut pas supprimer son propre compte."),
    OwnAccountUnerasable = ("own_account_unerasable", BAD_REQUEST, "Un administrateur ne peut pas effacer les données de son propre compte (B7)."),
    AccountNotCandidate = ("account_not_candidate", CONFLICT, "Effacement refusé : seuls les comptes candidats s'effacent ; un compte du personnel se désactive (B7)."),
    ApplicationsInProgress = ("applications_in_progress", CONFLICT, "Effacement refusé : le compte a des candidatures en cours ; les clôturer, ou forcer (`force: true`) avec une raison (B7)."),
    AccessRequestAlreadyProcessed = ("access_request_already_processed", BAD_REQUEST, "La demande d'accès a déjà été approuvée ou refusée."),
    AccessRequestAccountNotPending = ("access_request_account_not_pending", CONFLICT, "Le compte de la demande n'est plus `en_attente` (activé, bloqué ou archivé) : la demande ne peut plus être traitée."),
    EmailTaken = ("email_taken", BAD_REQUEST, "Un utilisateur avec cet e-mail existe déjà."),
    MatriculeTaken = ("matricule_taken", BAD_REQUEST, "Un utilisateur avec ce matricule existe déjà."),
    MatriculeRequired = ("matricule_required", BAD_REQUEST, "Le matricule est obligatoire pour les candidats internes."),
    CompanyEmailRequired = ("company_email_required", BAD_REQUEST, "Un candidat interne doit utiliser son e-mail @seeg-gabon.com."),
    CompanyEmailInconsistent = ("company_email_inconsistent", BAD_REQUEST, "Candidat interne « sans e-mail SEEG » avec une adresse @seeg-gabon.com."),
    IdempotencyKeyReused = ("idempotency_key_reused", UNPROCESSABLE_ENTITY, "`Idempotency-Key` déjà utilisée par cet appelant pour une autre requête (autre route, autre corps) (I4)."),
    IdempotencyKeyInProgress = ("idempotency_key_in_progress", CONFLICT, "Une requête avec la même `Idempotency-Key` est en cours : réessayer quand elle sera terminée (I4)."),
    InvalidStatusTransition = ("invalid_status_transition", CONFLICT, "Changement de statut impossible depuis le statut actuel pour cet appelant ; `allowed` liste les possibles (I5)."),
    OfferClosed = ("offer_closed", BAD_REQUEST, "L'offre n'accepte plus de candidatures (date limite dépassée ou offre fermée)."),
    ApplicationExists = ("application_exists", BAD_REQUEST, "Une candidature existe déjà pour cette offre d'emploi (I4)."),
    ApplicationLocked = ("application_locked", CONFLICT, "La candidature a quitté l'étape où son candidat peut la modifier, ou l'équipe de recrutement l'examine : plus de document ajouté, remplacé ni supprimé, et elle se retire au lieu d'être supprimée."),
    RequiredDocument = ("required_document", CONFLICT, "Un document obligatoire (CV, lettre de motivation, diplôme) se remplace, il ne se supprime pas."),
    MtpAnswersMismatch = ("mtp_answers_mismatch", BAD_REQUEST, "Le nombre de réponses MTP ne correspond pas aux questions de l'offre (K3)."),
    DocumentNameInvalid = ("document_name_invalid", UNPROCESSABLE_ENTITY, "Nom de fichier d'un document : 255 caractères au plus, sans caractère de contrôle, « / » ni « \\ »."),
    DocumentNotPdf = ("document_not_pdf", UNPROCESSABLE_ENTITY, "Un document n'est pas un PDF lisible (en-tête, fin de fichier, nom en .pdf, structure) (S11)."),
    DocumentActiveContent = ("document_active_content", UNPROCESSABLE_ENTITY, "Un PDF contient du contenu actif (JavaScript, Launch, fichier joint) (S11)."),
    DocumentTooLarge = ("document_too_large", UNPROCESSABLE_ENTITY, "Un document dépasse 10 Mio, ou les documents 40 Mio ensemble (S11)."),
    TooManyDocuments = ("too_many_documents", UNPROCESSABLE_ENTITY, "Plus de 10 documents dans une candidature (S11)."),
    MissingRequiredDocuments = ("missing_required_documents", UNPROCESSABLE_ENTITY, "CV, lettre de motivation ou diplôme manquant (S11)."),
    DuplicateRequiredDocument = ("duplicate_required_document", UNPROCESSABLE_ENTITY, "Un document obligatoire est fourni deux fois (S11)."),
    DocumentTypeNotAllowed = ("document_type_not_allowed", UNPROCESSABLE_ENTITY, "Type de document inconnu (S11)."),
    OfferHasApplications = ("offer_has_applications", CONFLICT, "L'offre d'emploi a des candidatures : elle ne peut pas être supprimée (I10)."),
    SlotOccupied = ("slot_occupied", CONFLICT, "Un autre entretien occupe déjà ce créneau (date, heure) (I7)."),
    ApplicationClosed = ("application_closed", CONFLICT, "La candidature est refusée, retirée ou embauchée : aucun entretien ne peut être programmé (I7)."),
    EvaluationExists = ("evaluation_exists", CONFLICT, "La candidature a déjà une évaluation de ce protocole (une par protocole et par candidature, I6)."),
    TooManyStreams = ("too_many_streams", TOO_MANY_REQUESTS, "Le compte a déjà le nombre maximal de flux de notifications ouverts (`notifications.max_streams_per_account`) : en fermer un."),
    StreamsFull = ("streams_full", SERVICE_UNAVAILABLE, "Le serveur a atteint son nombre maximal de flux de notifications ouverts (`notifications.max_streams`) : réessayer après `Retry-After`."),
    OutboxEventDone = ("outbox_event_done", CONFLICT, "L'événement de l'outbox est déjà traité : il ne se rejoue pas."),
    NotReady = ("not_ready", SERVICE_UNAVAILABLE, "Une dépendance (base de données, stockage) ne répond pas."),
    BodyTimeout = ("body_timeout", REQUEST_TIMEOUT, "Le corps de la requête n'est pas arrivé dans le délai (`http.body_timeout_secs`)."),
    UnsupportedContentEncoding = ("unsupported_content_encoding", UNSUPPORTED_MEDIA_TYPE, "Corps de requête compressé (`Content-Encoding` autre que `identity`) : envoyer le corps tel quel."),
    ServerBusy = ("server_busy", SERVICE_UNAVAILABLE, "Trop de documents reçus ou en cours d'analyse à la fois : réessayer après `Retry-After`."),
    DatabaseUnavailable = ("database_unavailable", SERVICE_UNAVAILABLE, "La base de données ne répond pas (arrêt, redémarrage, connexions épuisées) : réessayer après `Retry-After` ; une écriture dont la réponse s'est perdue a pu aboutir (O7)."),
    StorageUnavailable = ("storage_unavailable", SERVICE_UNAVAILABLE, "Le stockage des documents ne répond pas : rien n'a été enregistré, réessayer après `Retry-After` (O7)."),
    InsufficientStorage = ("insufficient_storage", INSUFFICIENT_STORAGE, "Le disque de la base de données ou des documents est plein : rien n'a été enregistré (O7)."),
    InternalError = ("internal_error", INTERNAL_SERVER_ERROR, "Erreur interne ; le détail est dans les journaux, retrouvé par `request_id`."),
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The catalogue as a Markdown table: `| code | statut | signification |`, one row per code.
pub fn catalogue_table() -> String {
    let mut table = String::from("| code | statut | signification |\n|---|---|---|\n");
    for code in ErrorCode::ALL {
        let _ = writeln!(table, "| `{code}` | {} | {} |", code.status().as_u16(), code.meaning());
    }
    table
}

/// `docs/errors.md`, as generated from the catalogue.
pub fn errors_page() -> String {
    format!(
        "# Codes d'erreur\n\n<!-- Generated from crates/adapters-http/src/error_codes.rs: \
         UPDATE_SNAPSHOTS=1 cargo test -p seeg-adapters-http error_codes -->\n\n\
         Every error response has the body `{{\"detail\", \"code\", \"status\", \"request_id\"}}` (plus `errors` for \
         a 422 that names fields, `allowed` for an illegal status change). `detail` is French text for a person; \
         `code` is stable, for programs; the status of a response is its code's.\n\n{}",
        catalogue_table()
    )
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::{Path, PathBuf};

    use super::*;

    fn sources(folder: &Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("error_codes.rs") {
                found.push(path);
            }
        }
    }

    #[test]
    fn codes_are_unique_and_snake_case() {
        let mut seen = HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{code}");
            assert!(code.status().is_client_error() || code.status().is_server_error(), "{code}");
        }
    }

    /// A code that nothing returns is a catalogue entry no client will ever meet: every variant must be named
    /// by the code of the crate, outside this list.
    #[test]
    fn every_code_in_the_catalogue_is_returned_somewhere() {
        let mut files = Vec::new();
        sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
        let text: String = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
        for code in ErrorCode::ALL {
            let name = code.variant_name();
            let used = text
                .match_indices(&format!("ErrorCode::{name}"))
                .any(|(at, whole)| !text[at + whole.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_'));
            assert!(used, "ErrorCode::{name} ({code}) is in the catalogue but nothing returns it");
        }
    }

    #[test]
    fn the_errors_page_is_the_generated_catalogue() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md");
        let generated = errors_page();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let written = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(written == generated, "docs/errors.md is stale: UPDATE_SNAPSHOTS=1 cargo test -p seeg-adapters-http");
    }
}
