//! What the dossier says, section by section, in French.

use seeg_application::dossier::Dossier;
use seeg_domain::identity::{CandidateKind, Sexe};

use crate::fonts::{Fonts, Weight};
use crate::french::{self, MISSING, clean, one_line, or_missing};
use crate::layout::{ACCENT, Composer, Geometry, INK, MUTED, Op, RULE, Style, truncate};

const TITLE: Style = Style::new(Weight::Bold, 18.0, ACCENT);
const OFFER_TITLE: Style = Style::new(Weight::Bold, 14.0, INK);
const HEADING: Style = Style::new(Weight::Bold, 12.5, ACCENT);
const SUBHEADING: Style = Style::new(Weight::Bold, 10.5, INK);
const LABEL: Style = Style::new(Weight::Bold, 9.5, MUTED);
const BODY: Style = Style::new(Weight::Regular, 9.5, INK);
const STRONG: Style = Style::new(Weight::Bold, 9.5, INK);
const NOTE: Style = Style::new(Weight::Regular, 8.5, MUTED);
const RUNNING: Style = Style::new(Weight::Bold, 8.0, MUTED);
const RUNNING_RIGHT: Style = Style::new(Weight::Regular, 8.0, MUTED);

const LABEL_WIDTH: f32 = 165.0;
const ANSWER_INDENT: f32 = 14.0;

/// The document title, as the heading of page 1 and the running header say it.
pub const DOCUMENT_TITLE: &str = "SEEG – Dossier de candidature";

pub fn candidate_name(dossier: &Dossier) -> String {
    one_line(&format!("{} {}", dossier.candidate.first_name, dossier.candidate.last_name))
}

/// Every page but the flow: the running header (SEEG, the candidate, the offer).
fn running_header(dossier: &Dossier) -> impl Fn(&Fonts, &Geometry) -> Vec<Op> + '_ {
    move |fonts, geometry| {
        let right = truncate(
            fonts,
            &format!("{} · {}", candidate_name(dossier), one_line(&dossier.offer.title)),
            RUNNING_RIGHT,
            geometry.right() - geometry.left() - 170.0,
        );
        let right_x = geometry.right() - fonts.face(RUNNING_RIGHT.weight).width(&right, RUNNING_RIGHT.size);
        vec![
            text(geometry.left(), 40.0, DOCUMENT_TITLE, RUNNING),
            text(right_x, 40.0, &right, RUNNING_RIGHT),
            Op::Rule { x1: geometry.left(), x2: geometry.right(), y: 47.0, width: 0.5, colour: RULE },
        ]
    }
}

fn text(x: f32, y: f32, text: &str, style: Style) -> Op {
    Op::Text { x, y, weight: style.weight, size: style.size, colour: style.colour, text: text.to_owned() }
}

/// The footer of page `number` out of `total`.
pub fn footer(fonts: &Fonts, geometry: &Geometry, dossier: &Dossier, number: usize, total: usize) -> Vec<Op> {
    let y = geometry.height - 32.0;
    let page = format!("Page {number} / {total}");
    let page_x = geometry.right() - fonts.face(NOTE.weight).width(&page, NOTE.size);
    vec![
        Op::Rule { x1: geometry.left(), x2: geometry.right(), y: y - 12.0, width: 0.5, colour: RULE },
        text(geometry.left(), y, &format!("SEEG — OneHCM · Candidature {}", dossier.application.id), NOTE),
        text(page_x, y, &page, NOTE),
    ]
}

/// Lays the whole dossier out; returns the pages' drawing operations, footers not yet added.
pub fn compose(fonts: &Fonts, geometry: Geometry, dossier: &Dossier) -> Vec<Vec<Op>> {
    let mut c = Composer::new(fonts, geometry, running_header(dossier));
    title_block(&mut c, dossier);
    candidate(&mut c, dossier);
    offer(&mut c, dossier);
    application(&mut c, dossier);
    mtp(&mut c, dossier);
    documents(&mut c, dossier);
    history(&mut c, dossier);
    evaluations(&mut c, dossier);
    c.finish()
}

fn field(c: &mut Composer<'_>, label: &str, value: &str) {
    c.field(label, LABEL, value, BODY, LABEL_WIDTH);
}

fn title_block(c: &mut Composer<'_>, dossier: &Dossier) {
    c.paragraph(DOCUMENT_TITLE, TITLE, 0.0);
    c.gap(4.0);
    c.paragraph(&one_line(&dossier.offer.title), OFFER_TITLE, 0.0);
    c.gap(2.0);
    c.paragraph(
        &format!("Candidature de {} · Généré le {}", candidate_name(dossier), french::date_time(dossier.generated_at)),
        NOTE,
        0.0,
    );
}

fn candidate(c: &mut Composer<'_>, dossier: &Dossier) {
    let candidate = &dossier.candidate;
    c.heading("Candidat", HEADING);
    field(c, "Nom et prénom", &candidate_name(dossier));
    field(c, "Adresse e-mail", &or_missing(Some(&candidate.email)));
    field(c, "Téléphone", &or_missing(candidate.phone.as_deref()));
    field(c, "Date de naissance", &candidate.date_of_birth.map_or_else(|| MISSING.to_owned(), french::date));
    let sexe = match candidate.sexe {
        Some(Sexe::Male) => "Masculin",
        Some(Sexe::Female) => "Féminin",
        None => MISSING,
    };
    field(c, "Sexe", sexe);
    let kind = match candidate.kind {
        CandidateKind::Internal => "Interne (agent SEEG)",
        CandidateKind::External => "Externe",
    };
    field(c, "Type de candidat", kind);
    if candidate.kind == CandidateKind::Internal || candidate.matricule.is_some() {
        field(c, "Matricule", &candidate.matricule.map_or_else(|| MISSING.to_owned(), |m| m.to_string()));
    }
    field(c, "Adresse", &or_missing(candidate.address.as_deref()));
    field(c, "Poste actuel", &or_missing(candidate.current_position.as_deref()));
    let years = candidate
        .years_of_experience
        .map_or_else(|| MISSING.to_owned(), |y| if y == 1 { "1 an".to_owned() } else { format!("{y} ans") });
    field(c, "Années d'expérience", &years);
}

fn offer(c: &mut Composer<'_>, dossier: &Dossier) {
    let offer = &dossier.offer;
    c.heading("Offre", HEADING);
    field(c, "Intitulé", &one_line(&offer.title));
    let reference = offer.reference.as_deref().map(one_line).filter(|r| !r.is_empty());
    field(c, "Référence", &reference.unwrap_or_else(|| offer.id.to_string()));
    field(c, "Département", &or_missing(offer.department.as_deref()));
    field(c, "Lieu", &or_missing(Some(&offer.location)));
    field(c, "Type de contrat", &or_missing(Some(&offer.contract_type)));
}

fn application(c: &mut Composer<'_>, dossier: &Dossier) {
    let application = &dossier.application;
    c.heading("Candidature", HEADING);
    field(c, "Identifiant", &application.id.to_string());
    field(c, "Statut", &format!("{} ({})", application.status.label(), application.status));
    field(c, "Soumise le", &french::date_time(application.submitted_at));
    field(c, "A déjà été manager", french::yes_no(application.has_been_manager));
    let reference = &application.reference;
    field(c, "Référence : entreprise", &or_missing(reference.company.as_deref()));
    field(c, "Référence : nom complet", &or_missing(reference.full_name.as_deref()));
    field(c, "Référence : e-mail", &or_missing(reference.email.as_deref()));
    field(c, "Référence : contact", &or_missing(reference.contact.as_deref()));
}

fn mtp(c: &mut Composer<'_>, dossier: &Dossier) {
    c.heading("Questionnaire MTP (Métier, Talent, Paradigme)", HEADING);
    let families: Vec<_> = dossier.mtp.iter().filter(|f| !f.items.is_empty()).collect();
    if families.is_empty() {
        c.paragraph("Aucune question MTP pour cette offre.", NOTE, 0.0);
        return;
    }
    for family in families {
        c.subheading(&format!("{} ({} question(s))", family.family.label(), family.items.len()), SUBHEADING);
        for (n, item) in family.items.iter().enumerate() {
            c.gap(3.0);
            c.paragraph(&format!("Question {} : {}", n + 1, clean(&item.question)), STRONG, 0.0);
            match item.answer.as_deref().map(clean).filter(|a| !a.is_empty()) {
                Some(answer) => c.paragraph(&answer, BODY, ANSWER_INDENT),
                None => c.paragraph("Aucune réponse", NOTE, ANSWER_INDENT),
            }
        }
    }
}

fn documents(c: &mut Composer<'_>, dossier: &Dossier) {
    c.heading("Documents fournis", HEADING);
    if dossier.documents.is_empty() {
        c.paragraph("Aucun document.", NOTE, 0.0);
        return;
    }
    for (n, document) in dossier.documents.iter().enumerate() {
        if n > 0 {
            c.separator();
        }
        c.paragraph(&format!("{} — {}", document.kind.label(), one_line(&document.file_name)), STRONG, 0.0);
        c.paragraph(&format!("Taille : {}", french::size(document.size_bytes)), NOTE, ANSWER_INDENT);
        c.paragraph(&format!("SHA-256 : {}", one_line(&document.sha256)), NOTE, ANSWER_INDENT);
    }
}

fn history(c: &mut Composer<'_>, dossier: &Dossier) {
    c.heading("Historique des statuts", HEADING);
    if dossier.history.is_empty() {
        c.paragraph("Aucun changement de statut enregistré.", NOTE, 0.0);
        return;
    }
    for (n, entry) in dossier.history.iter().enumerate() {
        if n > 0 {
            c.separator();
        }
        let change = match entry.from {
            Some(from) => format!("{} → {}", from.label(), entry.to.label()),
            None => format!("Dépôt : {}", entry.to.label()),
        };
        c.field(&french::date_time(entry.at), LABEL, &change, STRONG, LABEL_WIDTH);
        if let Some(by) = entry.by.as_deref().map(one_line).filter(|b| !b.is_empty()) {
            c.field("", LABEL, &format!("Par : {by}"), NOTE, LABEL_WIDTH);
        }
        if let Some(notes) = entry.notes.as_deref().map(clean).filter(|n| !n.is_empty()) {
            c.field("", LABEL, &format!("Notes : {notes}"), BODY, LABEL_WIDTH);
        }
    }
}

fn evaluations(c: &mut Composer<'_>, dossier: &Dossier) {
    c.heading("Évaluations", HEADING);
    let protocols = [
        ("Protocole 1 (documentaire, MTP, entretien)", &dossier.evaluations.protocol1),
        ("Protocole 2 (QCM rôle, QCM CODIR)", &dossier.evaluations.protocol2),
    ];
    if dossier.evaluations.is_empty() {
        c.paragraph("Aucune évaluation enregistrée.", NOTE, 0.0);
        return;
    }
    for (title, summary) in protocols {
        let Some(summary) = summary else { continue };
        c.subheading(title, SUBHEADING);
        c.field("Note globale", LABEL, &french::score(summary.overall_score), STRONG, LABEL_WIDTH);
        for named in &summary.scores {
            field(c, &one_line(&named.label), &french::score(named.score));
        }
    }
}
