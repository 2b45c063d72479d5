//! The French messages the use cases send (legacy R37 subjects, R38 salutation), as pure functions.
//!
//! Every user-supplied text is HTML-escaped in the HTML part (S8); the text part is plain text and needs none.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use seeg_domain::identity::{Sexe, User};

use super::Rendered;

/// Subject of `welcome` (R37).
pub const WELCOME_SUBJECT: &str = "Bienvenue sur OneHCM - SEEG Talent Source";
/// Subject of `access_pending` (R37).
pub const ACCESS_PENDING_SUBJECT: &str = "Demande d'Accès en Cours de Traitement - OneHCM";
/// Subject of `password_reset` (R37).
pub const PASSWORD_RESET_SUBJECT: &str = "🔑 Réinitialisation de votre mot de passe - OneHCM SEEG";
/// Subject of `password_changed` (R37).
pub const PASSWORD_CHANGED_SUBJECT: &str = "🔐 Votre mot de passe a été modifié";
/// Subject of `access_approved` (R37).
pub const ACCESS_APPROVED_SUBJECT: &str = "✅ Accès Approuvé - OneHCM";
/// Subject of `access_rejected` (R37).
pub const ACCESS_REJECTED_SUBJECT: &str = "❌ Demande d'Accès Refusée - OneHCM";
/// Start of the subject of `application_confirmation`, followed by " - {job_title}" (R25).
pub const APPLICATION_CONFIRMATION_SUBJECT: &str = "Confirmation de candidature";
/// Subject of `new_access_request` (R37).
pub const NEW_ACCESS_REQUEST_SUBJECT: &str = "🔔 Nouvelle Demande d'Accès - OneHCM";

/// Start of the subject of `interview_invitation`, followed by " - {job_title}" (R37).
pub const INTERVIEW_INVITATION_SUBJECT: &str = "🎯 Invitation à un entretien";
/// Start of the subject of `interview_changed`, followed by " - {job_title}".
pub const INTERVIEW_CHANGED_SUBJECT: &str = "📅 Entretien modifié";
/// Start of the subject of `interview_cancelled`, followed by " - {job_title}".
pub const INTERVIEW_CANCELLED_SUBJECT: &str = "❌ Entretien annulé";
/// Subject of `retention_warning` (B7).
pub const RETENTION_WARNING_SUBJECT: &str = "⚠️ Votre compte OneHCM sera effacé faute de connexion";
/// Where an interview takes place when the slot does not say (legacy R31).
pub const LOCATION_TO_BE_CONFIRMED: &str = "À confirmer";

/// How long a reset link stays valid, as the message says it (the use case's lifetime feeds this).
pub const RESET_LINK_VALIDITY: &str = "1 heure";

/// "Monsieur Jean Dupont", "Madame Marie Dupont", or "Jean Dupont" when the sex is unknown (R38). The domain's
/// `salutation` takes parsed names; stored accounts carry plain strings, so the same rule is applied here.
pub fn salutation(user: &User) -> String {
    let (first, last) = (user.first_name.trim(), user.last_name.trim());
    match user.sexe {
        Some(Sexe::Male) => format!("Monsieur {first} {last}"),
        Some(Sexe::Female) => format!("Madame {first} {last}"),
        None => format!("{first} {last}"),
    }
}

/// Escapes the five characters that matter in HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The link of a reset e-mail: `{public_app_url}/reset-password?token=…`.
pub fn reset_link(public_app_url: &str, token: &str) -> String {
    // The token is hex: nothing to percent-encode.
    format!("{}/reset-password?token={token}", public_app_url.trim_end_matches('/'))
}

/// Paragraphs of plain text, in both parts; `html_extra` is already-safe HTML appended to the HTML part.
fn render(subject: &str, user: &User, paragraphs: &[&str], html_extra: &str, text_extra: &str) -> Rendered {
    render_with(subject, &format!("Bonjour {},", salutation(user)), paragraphs, html_extra, text_extra)
}

fn render_with(subject: &str, greeting: &str, paragraphs: &[&str], html_extra: &str, text_extra: &str) -> Rendered {
    let signature = "Cordialement,\nL'équipe OneHCM - SEEG Talent Source";
    let mut text = format!("{greeting}\n\n");
    for p in paragraphs {
        text.push_str(p);
        text.push_str("\n\n");
    }
    text.push_str(text_extra);
    text.push_str(signature);
    text.push('\n');

    let mut body = format!("<p>{}</p>\n", escape_html(greeting));
    for p in paragraphs {
        body.push_str("<p>");
        body.push_str(&escape_html(p));
        body.push_str("</p>\n");
    }
    body.push_str(html_extra);
    body.push_str("<p>");
    body.push_str(&escape_html(signature).replace('\n', "<br>"));
    body.push_str("</p>\n");
    Rendered { subject: subject.to_owned(), text, html: layout(subject, &body), attachments: Vec::new() }
}

/// The service's HTML page around `body` (already-safe HTML).
fn layout(subject: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head><meta charset=\"utf-8\"><title>{}</title></head>\n\
         <body style=\"font-family: Arial, sans-serif; color: #1f2937;\">\n{body}</body>\n</html>\n",
        escape_html(subject)
    )
}

/// Plain text as HTML paragraphs: escaped, a blank line between paragraphs, a line break kept as `<br>`.
fn paragraphs_html(text: &str) -> String {
    let mut html = String::new();
    for paragraph in text.replace("\r\n", "\n").split("\n\n").filter(|p| !p.trim().is_empty()) {
        let _ = writeln!(html, "<p>{}</p>", escape_html(paragraph.trim()).replace('\n', "<br>"));
    }
    html
}

/// A message staff wrote by hand (`/emails/send`). Both the text body and `html_body` are the caller's text:
/// escaped into the service's layout, never sent as HTML (S8). Without `html_body`, the HTML part is the text
/// body's paragraphs.
pub fn manual(subject: &str, body: &str, html_body: Option<&str>) -> Rendered {
    let html = layout(subject, &paragraphs_html(html_body.unwrap_or(body)));
    let mut text = body.replace("\r\n", "\n");
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Rendered { subject: subject.to_owned(), text, html, attachments: Vec::new() }
}

/// Start of the subject of `interview_convocation`, followed by " - {job_title}" (R37, the legacy's words
/// without its mojibake).
pub const CONVOCATION_SUBJECT: &str = "Convocation à l'entretien";

/// An interview convocation written by staff (`/emails/send-interview-email`); every text is the caller's.
#[derive(Debug, Clone, Copy)]
pub struct Convocation<'a> {
    /// "Madame Awa Mba" (R38) or the name the caller gave.
    pub greeting: &'a str,
    /// The post.
    pub job_title: &'a str,
    /// The day.
    pub date: NaiveDate,
    /// The time of day, shown as HH:MM.
    pub time: NaiveTime,
    /// Where.
    pub location: &'a str,
    /// Anything else the candidate should know.
    pub notes: Option<&'a str>,
}

/// "Convocation à l'entretien - {job_title}": day, time, place and notes, user text escaped in HTML (S8).
pub fn interview_convocation(convocation: &Convocation<'_>) -> Rendered {
    let job_title = convocation.job_title.trim();
    let details = InterviewDetails {
        job_title,
        date: convocation.date,
        time: convocation.time,
        location: Some(convocation.location),
        interviewer: "",
        notes: None,
    };
    let mut paragraphs = vec![
        format!("Nous avons le plaisir de vous convoquer à un entretien pour le poste « {job_title} »."),
        format!("Date : {}", details.when()),
        format!("Lieu : {}", details.location()),
    ];
    if let Some(notes) = convocation.notes.map(str::trim).filter(|n| !n.is_empty()) {
        paragraphs.push(format!("Informations complémentaires : {notes}"));
    }
    paragraphs.push(
        "Merci de vous présenter quelques minutes en avance, muni(e) d'une pièce d'identité, et de confirmer \
         votre présence en répondant à ce message."
            .to_owned(),
    );
    let paragraphs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    render_with(
        &format!("{CONVOCATION_SUBJECT} - {job_title}"),
        &format!("Bonjour {},", convocation.greeting.trim()),
        &paragraphs,
        "",
        "",
    )
}

/// Sign-up of an `actif` account.
pub fn welcome(user: &User) -> Rendered {
    render(
        WELCOME_SUBJECT,
        user,
        &[
            "Votre compte OneHCM - SEEG Talent Source a bien été créé.",
            "Vous pouvez dès à présent vous connecter et postuler aux offres d'emploi.",
        ],
        "",
        "",
    )
}

/// Sign-up of an `en_attente` account (internal candidate without a company e-mail, R35).
pub fn access_pending(user: &User) -> Rendered {
    render(
        ACCESS_PENDING_SUBJECT,
        user,
        &[
            "Nous avons bien reçu votre demande d'accès à OneHCM - SEEG Talent Source.",
            "Votre demande est en attente de validation par notre équipe. Vous recevrez un e-mail dès qu'elle \
             aura été traitée.",
        ],
        "",
        "",
    )
}

/// To the support inbox: an internal candidate without a company e-mail asks for access (R37); the details the
/// reviewer needs to check the person against HR records, every value escaped.
pub fn new_access_request(user: &User) -> Rendered {
    let or_dash = |value: Option<String>| value.filter(|v| !v.trim().is_empty()).unwrap_or_else(|| "—".to_owned());
    let rows = [
        ("Nom", format!("{} {}", user.first_name.trim(), user.last_name.trim())),
        ("E-mail", user.email.clone()),
        ("Téléphone", or_dash(user.phone.clone())),
        ("Matricule", or_dash(user.matricule.map(|m| m.to_string()))),
        ("Date de naissance", or_dash(user.date_of_birth.map(|d| d.format("%d/%m/%Y").to_string()))),
        ("Sexe", or_dash(user.sexe.map(|s| s.as_str().to_owned()))),
        ("Adresse", or_dash(user.adresse.clone())),
    ];
    let mut html = String::from("<table>\n");
    let mut text = String::new();
    for (label, value) in &rows {
        let _ = writeln!(html, "<tr><th align=\"left\">{label}</th><td>{}</td></tr>", escape_html(value));
        let _ = writeln!(text, "{label} : {value}");
    }
    html.push_str("</table>\n");
    text.push('\n');
    render_with(
        NEW_ACCESS_REQUEST_SUBJECT,
        "Bonjour,",
        &[
            "Un candidat interne sans adresse e-mail SEEG demande l'accès à OneHCM - SEEG Talent Source.",
            "Vérifiez ces informations puis approuvez ou refusez la demande depuis l'écran des demandes d'accès.",
        ],
        &html,
        &text,
    )
}

/// A submitted application (R25): "Confirmation de candidature - {job_title}".
pub fn application_confirmation(user: &User, job_title: &str) -> Rendered {
    render(
        &format!("{APPLICATION_CONFIRMATION_SUBJECT} - {}", job_title.trim()),
        user,
        &[
            &format!("Nous avons bien reçu votre candidature au poste « {} ».", job_title.trim()),
            "Notre équipe de recrutement l'étudiera avec attention. Vous serez informé(e) par e-mail de chaque \
             étape, et pouvez suivre son avancement depuis votre espace candidat.",
        ],
        "",
        "",
    )
}

/// An application moved in the pipeline (I5): the new status, in words, and the recruiter's note if any.
pub fn application_status_changed(user: &User, job_title: &str, status_label: &str) -> Rendered {
    render(
        &format!("Votre candidature - {}", job_title.trim()),
        user,
        &[
            &format!("Le statut de votre candidature au poste « {} » a changé.", job_title.trim()),
            &format!("Nouveau statut : {status_label}."),
            "Retrouvez le détail dans votre espace candidat.",
        ],
        "",
        "",
    )
}

/// Forgotten password: the link to choose a new one.
pub fn password_reset(user: &User, link: &str) -> Rendered {
    let html_link = escape_html(link);
    render(
        PASSWORD_RESET_SUBJECT,
        user,
        &[
            "Vous avez demandé la réinitialisation de votre mot de passe.",
            &format!(
                "Ce lien est valable {RESET_LINK_VALIDITY} et ne peut servir qu'une fois. Si vous n'êtes pas à \
                 l'origine de cette demande, ignorez cet e-mail : votre mot de passe reste inchangé."
            ),
        ],
        &format!("<p><a href=\"{html_link}\">Choisir un nouveau mot de passe</a></p>\n<p>{html_link}</p>\n"),
        &format!("Choisir un nouveau mot de passe : {link}\n\n"),
    )
}

/// The password was changed (by the account holder or through a reset link).
pub fn password_changed(user: &User) -> Rendered {
    render(
        PASSWORD_CHANGED_SUBJECT,
        user,
        &[
            "Le mot de passe de votre compte OneHCM vient d'être modifié.",
            "Si vous n'êtes pas à l'origine de ce changement, réinitialisez votre mot de passe sans attendre et \
             contactez le support.",
        ],
        "",
        "",
    )
}

/// An access request was approved (R35): the account is `actif` and may sign in.
pub fn access_approved(user: &User) -> Rendered {
    render(
        ACCESS_APPROVED_SUBJECT,
        user,
        &[
            "Bonne nouvelle : votre demande d'accès à OneHCM - SEEG Talent Source a été approuvée.",
            "Votre compte est désormais actif. Vous pouvez vous connecter et postuler aux offres d'emploi.",
        ],
        "",
        "",
    )
}

/// An access request was rejected (R35), with the reviewer's reason (escaped in the HTML part like any user text).
pub fn access_rejected(user: &User, reason: &str) -> Rendered {
    render(
        ACCESS_REJECTED_SUBJECT,
        user,
        &[
            "Nous sommes au regret de vous informer que votre demande d'accès à OneHCM - SEEG Talent Source a été \
             refusée.",
            &format!("Motif : {}", reason.trim()),
            "Pour toute question, vous pouvez contacter le support.",
        ],
        "",
        "",
    )
}

/// An inactive account is about to be erased (B7): on `erase_on` its account and its data are erased unless the
/// holder signs in before.
pub fn retention_warning(user: &User, erase_on: NaiveDate) -> Rendered {
    let day = erase_on.format("%d/%m/%Y");
    render(
        RETENTION_WARNING_SUBJECT,
        user,
        &[
            "Votre compte OneHCM - SEEG Talent Source n'a pas été utilisé depuis longtemps.",
            &format!(
                "Conformément à notre politique de conservation des données, votre compte et vos données \
                 personnelles (profil, candidatures et documents) seront effacés définitivement à partir du {day}."
            ),
            "Pour conserver votre compte, il vous suffit de vous connecter avant cette date. Si vous ne souhaitez \
             plus l'utiliser, vous n'avez rien à faire.",
        ],
        "",
        "",
    )
}

/// An interview as its e-mails describe it; every text is the staff's or the offer's, escaped in HTML (S8).
#[derive(Debug, Clone, Copy)]
pub struct InterviewDetails<'a> {
    /// The offer's title.
    pub job_title: &'a str,
    /// The day (Libreville time).
    pub date: NaiveDate,
    /// The time of day (Libreville time).
    pub time: NaiveTime,
    /// Where; `None` reads "À confirmer" (R31).
    pub location: Option<&'a str>,
    /// Who booked it (legacy: the interviewer).
    pub interviewer: &'a str,
    /// The recruiter's notes for the candidate.
    pub notes: Option<&'a str>,
}

impl InterviewDetails<'_> {
    /// "lundi 14/12/2026 à 09:30" (legacy R37 format, French weekday).
    pub fn when(&self) -> String {
        let weekday = match self.date.weekday() {
            Weekday::Mon => "lundi",
            Weekday::Tue => "mardi",
            Weekday::Wed => "mercredi",
            Weekday::Thu => "jeudi",
            Weekday::Fri => "vendredi",
            Weekday::Sat => "samedi",
            Weekday::Sun => "dimanche",
        };
        format!("{weekday} {} à {}", self.date.format("%d/%m/%Y"), self.time.format("%H:%M"))
    }

    /// Where, or "À confirmer".
    pub fn location(&self) -> &str {
        self.location.map(str::trim).filter(|l| !l.is_empty()).unwrap_or(LOCATION_TO_BE_CONFIRMED)
    }

    /// The lines every interview e-mail lists: when, where, how long, with whom, and the notes if any.
    fn lines(&self) -> Vec<String> {
        let mut lines = vec![
            format!("Date : {}", self.when()),
            format!("Lieu : {}", self.location()),
            "Durée prévue : 1 heure".to_owned(),
            format!("Recruteur : {}", self.interviewer.trim()),
        ];
        if let Some(notes) = self.notes.map(str::trim).filter(|n| !n.is_empty()) {
            lines.push(format!("Informations complémentaires : {notes}"));
        }
        lines
    }
}

fn interview_message(subject: &str, user: &User, intro: &str, details: &InterviewDetails<'_>, outro: &str) -> Rendered {
    let lines = details.lines();
    let mut paragraphs: Vec<&str> = vec![intro];
    paragraphs.extend(lines.iter().map(String::as_str));
    paragraphs.push(outro);
    render(&format!("{subject} - {}", details.job_title.trim()), user, &paragraphs, "", "")
}

/// A booked interview (R31, R37): "🎯 Invitation à un entretien - {job_title}".
pub fn interview_invitation(user: &User, details: &InterviewDetails<'_>) -> Rendered {
    interview_message(
        INTERVIEW_INVITATION_SUBJECT,
        user,
        &format!(
            "Nous avons le plaisir de vous inviter à un entretien pour le poste « {} ».",
            details.job_title.trim()
        ),
        details,
        "Merci de vous présenter quelques minutes en avance, muni(e) d'une pièce d'identité. En cas \
         d'empêchement, prévenez l'équipe de recrutement au plus tôt.",
    )
}

/// A booked interview moved to another day, time or place (I7): the new details.
pub fn interview_changed(user: &User, details: &InterviewDetails<'_>) -> Rendered {
    interview_message(
        INTERVIEW_CHANGED_SUBJECT,
        user,
        &format!(
            "Votre entretien pour le poste « {} » a été modifié. Voici ses nouvelles modalités.",
            details.job_title.trim()
        ),
        details,
        "Les informations précédentes ne sont plus valables. En cas d'empêchement, prévenez l'équipe de \
         recrutement au plus tôt.",
    )
}

/// A booked interview called off (I7): the day and time it had.
pub fn interview_cancelled(user: &User, details: &InterviewDetails<'_>) -> Rendered {
    render(
        &format!("{INTERVIEW_CANCELLED_SUBJECT} - {}", details.job_title.trim()),
        user,
        &[
            &format!(
                "Votre entretien pour le poste « {} » prévu le {} est annulé.",
                details.job_title.trim(),
                details.when()
            ),
            "L'équipe de recrutement reviendra vers vous si un nouvel entretien est programmé.",
        ],
        "",
        "",
    )
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use seeg_domain::identity::{Role, UserStatus};
    use uuid::Uuid;

    use super::*;

    fn user(first: &str, sexe: Option<Sexe>) -> User {
        User {
            id: Uuid::nil(),
            email: "awa@example.com".into(),
            first_name: first.into(),
            last_name: "Mba".into(),
            role: Role::Candidate,
            phone: None,
            date_of_birth: None,
            sexe,
            matricule: None,
            password_hash: String::new(),
            email_verified: false,
            last_login: None,
            candidate_kind: None,
            status: UserStatus::Active,
            adresse: None,
            poste_actuel: None,
            annees_experience: None,
            no_seeg_email: false,
            created_at: DateTime::UNIX_EPOCH,
            updated_at: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn salutation_follows_r38() {
        assert_eq!(salutation(&user("Jean", Some(Sexe::Male))), "Monsieur Jean Mba");
        assert_eq!(salutation(&user("Awa", Some(Sexe::Female))), "Madame Awa Mba");
        assert_eq!(salutation(&user("Awa", None)), "Awa Mba");
    }

    #[test]
    fn subjects_are_the_legacy_ones() {
        let u = user("Awa", None);
        assert_eq!(welcome(&u).subject, "Bienvenue sur OneHCM - SEEG Talent Source");
        assert_eq!(access_pending(&u).subject, "Demande d'Accès en Cours de Traitement - OneHCM");
        assert_eq!(password_reset(&u, "l").subject, "🔑 Réinitialisation de votre mot de passe - OneHCM SEEG");
        assert_eq!(password_changed(&u).subject, "🔐 Votre mot de passe a été modifié");
        assert_eq!(access_approved(&u).subject, "✅ Accès Approuvé - OneHCM");
        assert_eq!(access_rejected(&u, "motif").subject, "❌ Demande d'Accès Refusée - OneHCM");
    }

    #[test]
    fn user_text_is_escaped_in_html_and_kept_in_text() {
        let u = user("<b>Awa</b> & \"co\"", Some(Sexe::Female));
        for message in [
            welcome(&u),
            access_pending(&u),
            password_reset(&u, "https://x/r?token=ab"),
            password_changed(&u),
            access_approved(&u),
            access_rejected(&u, "motif"),
        ] {
            assert!(
                message.html.contains("Madame &lt;b&gt;Awa&lt;/b&gt; &amp; &quot;co&quot; Mba"),
                "{}",
                message.html
            );
            assert!(!message.html.contains("<b>Awa"));
            assert!(message.text.contains("Bonjour Madame <b>Awa</b> & \"co\" Mba,"));
        }
    }

    #[test]
    fn the_reset_message_carries_the_link_and_its_validity() {
        let link = reset_link("https://app.example/", "abc123");
        assert_eq!(link, "https://app.example/reset-password?token=abc123");
        let message = password_reset(&user("Awa", None), &link);
        assert!(message.text.contains(&link));
        assert!(message.html.contains(&format!("href=\"{link}\"")));
        assert!(message.text.contains("1 heure"));
    }

    #[test]
    fn the_rejection_carries_the_reason_escaped_in_html() {
        let reason = "Matricule inconnu <script>alert('x')</script> & co";
        let message = access_rejected(&user("Awa", Some(Sexe::Female)), reason);
        assert!(message.text.contains("Bonjour Madame Awa Mba,"));
        assert!(message.text.contains(&format!("Motif : {reason}")));
        assert!(!message.html.contains("<script>"), "{}", message.html);
        assert!(
            message.html.contains("Motif : Matricule inconnu &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co")
        );
    }

    #[test]
    fn the_retention_warning_gives_the_erasure_day_and_how_to_keep_the_account() {
        let u = user("Awa <b>", Some(Sexe::Female));
        let message = retention_warning(&u, NaiveDate::from_ymd_opt(2027, 1, 5).unwrap());
        assert_eq!(message.subject, RETENTION_WARNING_SUBJECT);
        for part in [&message.text, &message.html] {
            assert!(part.contains("effacés définitivement à partir du 05/01/2027"), "{part}");
            assert!(part.contains("vous connecter avant cette date"), "{part}");
        }
        assert!(message.text.starts_with("Bonjour Madame Awa <b>"), "{}", message.text);
        assert!(message.html.contains("Awa &lt;b&gt;") && !message.html.contains("Awa <b>"), "{}", message.html);
    }

    #[test]
    fn the_approval_says_the_account_is_active() {
        let message = access_approved(&user("Jean", Some(Sexe::Male)));
        assert!(message.text.contains("Bonjour Monsieur Jean Mba,"));
        assert!(message.text.contains("approuvée"));
        assert!(message.html.contains("<html lang=\"fr\">"));
    }

    fn interview<'a>(notes: Option<&'a str>, location: Option<&'a str>) -> InterviewDetails<'a> {
        InterviewDetails {
            job_title: "Ingénieur <réseaux> & eau",
            date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            time: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            location,
            interviewer: "Nadia \"RH\" Obame",
            notes,
        }
    }

    #[test]
    fn interview_messages_say_when_where_and_with_whom_escaped_in_html() {
        let u = user("Awa", Some(Sexe::Female));
        let details = interview(Some("Apporter <b>les</b> diplômes"), None);
        assert_eq!(details.when(), "lundi 14/12/2026 à 09:30");
        let invitation = interview_invitation(&u, &details);
        assert_eq!(invitation.subject, "🎯 Invitation à un entretien - Ingénieur <réseaux> & eau");
        for line in [
            "Bonjour Madame Awa Mba,",
            "Date : lundi 14/12/2026 à 09:30",
            "Lieu : À confirmer",
            "Durée prévue : 1 heure",
            "Recruteur : Nadia \"RH\" Obame",
            "Informations complémentaires : Apporter <b>les</b> diplômes",
        ] {
            assert!(invitation.text.contains(line), "{line}: {}", invitation.text);
        }
        assert!(invitation.html.contains("Apporter &lt;b&gt;les&lt;/b&gt; diplômes"), "{}", invitation.html);
        assert!(invitation.html.contains("Nadia &quot;RH&quot; Obame"));
        assert!(!invitation.html.contains("<réseaux>") && !invitation.html.contains("<b>les"));

        let changed = interview_changed(&u, &interview(None, Some("Siège SEEG, Libreville")));
        assert_eq!(changed.subject, "📅 Entretien modifié - Ingénieur <réseaux> & eau");
        assert!(changed.text.contains("Lieu : Siège SEEG, Libreville"));
        assert!(!changed.text.contains("Informations complémentaires"));

        let cancelled = interview_cancelled(&u, &details);
        assert_eq!(cancelled.subject, "❌ Entretien annulé - Ingénieur <réseaux> & eau");
        assert!(cancelled.text.contains("prévu le lundi 14/12/2026 à 09:30 est annulé"), "{}", cancelled.text);
        assert!(cancelled.html.contains("Ingénieur &lt;réseaux&gt; &amp; eau"));
    }

    #[test]
    fn escape_html_covers_the_five_characters() {
        assert_eq!(escape_html(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }

    #[test]
    fn the_convocation_is_french_shows_hh_mm_and_escapes_every_text() {
        let convocation = Convocation {
            greeting: "Madame <i>Awa</i> Mba",
            job_title: "Technicien <script>x()</script>",
            date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            time: NaiveTime::from_hms_opt(9, 30, 45).unwrap(),
            location: "Siège & co",
            notes: Some("Apportez \"vos\" diplômes"),
        };
        let message = interview_convocation(&convocation);
        assert_eq!(message.subject, "Convocation à l'entretien - Technicien <script>x()</script>");
        assert!(message.text.starts_with("Bonjour Madame <i>Awa</i> Mba,\n"), "{}", message.text);
        assert!(message.text.contains("Date : lundi 14/12/2026 à 09:30\n"), "{}", message.text);
        assert!(message.text.contains("Lieu : Siège & co"), "{}", message.text);
        assert!(message.text.contains("Informations complémentaires : Apportez \"vos\" diplômes"));
        for raw in ["<script>", "<i>", "Siège & co", "\"vos\""] {
            assert!(!message.html.contains(raw), "{raw} escaped: {}", message.html);
        }
        assert!(message.html.contains("&lt;script&gt;x()&lt;/script&gt;"), "{}", message.html);
        assert!(message.html.contains("<title>Convocation à l&#39;entretien - Technicien &lt;script&gt;"));
    }

    #[test]
    fn a_manual_message_never_sends_caller_html() {
        let message = manual("Objet", "Ligne 1\nLigne 2\n\n<b>Deux</b>", None);
        assert_eq!(message.text, "Ligne 1\nLigne 2\n\n<b>Deux</b>\n");
        assert!(message.html.contains("<p>Ligne 1<br>Ligne 2</p>\n<p>&lt;b&gt;Deux&lt;/b&gt;</p>"), "{}", message.html);
        let message = manual("Objet", "texte", Some("<a href=\"https://evil.example\">ici</a><img src=x>"));
        assert_eq!(message.text, "texte\n", "the text part is the text body");
        assert!(!message.html.contains("<a ") && !message.html.contains("<img"), "{}", message.html);
        assert!(message.html.contains("&lt;a href=&quot;https://evil.example&quot;&gt;ici&lt;/a&gt;"));
    }

    #[test]
    fn every_r37_message_escapes_user_text_and_greets_per_r38() {
        let script = "<script>alert(1)</script>";
        let mut person = user(script, Some(Sexe::Male));
        person.last_name = format!("Nze{script}");
        let details = InterviewDetails {
            job_title: script,
            date: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
            time: NaiveTime::from_hms_opt(9, 30, 0).unwrap(),
            location: Some(script),
            interviewer: script,
            notes: Some(script),
        };
        let convocation = Convocation {
            greeting: &salutation(&person),
            job_title: script,
            date: details.date,
            time: details.time,
            location: script,
            notes: Some(script),
        };
        let messages = [
            welcome(&person),
            access_pending(&person),
            new_access_request(&person),
            application_confirmation(&person, script),
            application_status_changed(&person, script, "En incubation"),
            password_reset(&person, "https://example.com/reset-password?token=abc"),
            password_changed(&person),
            access_approved(&person),
            access_rejected(&person, script),
            interview_invitation(&person, &details),
            interview_changed(&person, &details),
            interview_cancelled(&person, &details),
            interview_convocation(&convocation),
            manual(script, script, Some(script)),
        ];
        for message in &messages {
            assert!(!message.html.contains("<script>"), "{}: {}", message.subject, message.html);
            assert!(message.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{}", message.subject);
            assert!(!message.text.is_empty() && message.html.starts_with("<!DOCTYPE html>"), "{}", message.subject);
        }
        // R38: every message to the account greets it as "Monsieur {first} {last}" (the support inbox's notice and
        // a hand-written message do not greet it).
        let greeted: Vec<&Rendered> =
            messages.iter().filter(|m| m.subject != NEW_ACCESS_REQUEST_SUBJECT && m.subject != script).collect();
        assert_eq!(greeted.len(), 12);
        for message in greeted {
            assert!(message.text.starts_with(&format!("Bonjour Monsieur {script} Nze{script},")), "{}", message.text);
        }
    }
}
