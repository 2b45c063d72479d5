//! The dossier PDF read back by a PDF reader (lopdf): valid, paginated, and saying what the dossier holds.

#![allow(clippy::unwrap_used)] // tests fail loudly

use chrono::{DateTime, Duration, NaiveDate, Utc};
use seeg_adapters_pdf::PdfDossierRenderer;
use seeg_application::dossier::{
    Dossier, DossierApplication, DossierCandidate, DossierDocument, DossierEvaluations, DossierOffer, DossierReference,
    DossierRenderer, EvaluationSummary, HistoryEntry, MtpFamilyAnswers, MtpItem, NamedScore, PageSize,
};
use seeg_domain::applications::{ApplicationStatus, DocumentType};
use seeg_domain::identity::{CandidateKind, Matricule, Sexe};
use seeg_domain::offers::MtpFamily;
use uuid::Uuid;

const OFFER_TITLE: &str = "Chef de service Électricité – Réseau de distribution";

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_764_067_800 + seconds, 0).unwrap()
}

/// A long answer whose first words are unique to it.
fn answer(family: &str, n: usize) -> String {
    format!(
        "Réponse {family} numéro {n} : « J'ai piloté l'électrification de quartiers périphériques, \
         coordonné des équipes d'intervention et géré un budget de 250 000 € avec rigueur. » {}\n\
         Deuxième paragraphe : cœur du métier, sécurité, qualité de service à l'usager.",
        "Je détaille ici mon expérience, mes réussites et les leçons apprises sur le terrain. ".repeat(6)
    )
}

fn items(family: &str, count: usize) -> Vec<MtpItem> {
    (1..=count)
        .map(|n| MtpItem {
            question: format!(
                "Question {family} {n} : décrivez une situation où vous avez dû faire preuve d'initiative ?"
            ),
            answer: Some(answer(family, n)),
        })
        .collect()
}

fn rich() -> Dossier {
    let statuses = [
        ApplicationStatus::Candidature,
        ApplicationStatus::Incubation,
        ApplicationStatus::EntretienProgramme,
        ApplicationStatus::SimulationProgrammee,
    ];
    let history = (0..20)
        .map(|n| HistoryEntry {
            at: at(3_600 * i64::try_from(n).unwrap()),
            from: (n > 0).then(|| statuses[(n - 1) % statuses.len()]),
            to: if n == 19 { ApplicationStatus::Refuse } else { statuses[n % statuses.len()] },
            by: Some(format!("Recruteur n°{n} — Service RH")),
            notes: Some(format!(
                "Note d'étape {n} : candidat sérieux, à revoir en comité « RH » ; prévoir l'entretien."
            )),
        })
        .collect();
    Dossier {
        generated_at: at(86_400),
        page_size: PageSize::A4,
        candidate: DossierCandidate {
            first_name: "Hélène-Françoise".to_owned(),
            last_name: "Nzé Ôbame".to_owned(),
            email: "helene.nze@example.ga".to_owned(),
            phone: Some("+241 06 12 34 56".to_owned()),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 3, 14),
            sexe: Some(Sexe::Female),
            kind: CandidateKind::Internal,
            matricule: Some(Matricule::parse_i64(123_456).unwrap()),
            address: Some("Quartier Louis, Libreville".to_owned()),
            current_position: Some("Technicienne supérieure — maintenance".to_owned()),
            years_of_experience: Some(12),
        },
        offer: DossierOffer {
            id: Uuid::from_u128(0x42),
            reference: Some("SEEG-2026-ÉL-007".to_owned()),
            title: OFFER_TITLE.to_owned(),
            department: Some("Direction de l'Électricité".to_owned()),
            location: "Libreville".to_owned(),
            contract_type: "CDI".to_owned(),
        },
        application: DossierApplication {
            id: Uuid::from_u128(0x1234),
            status: ApplicationStatus::Refuse,
            submitted_at: at(0),
            has_been_manager: Some(true),
            reference: DossierReference::default(),
        },
        mtp: vec![
            MtpFamilyAnswers { family: MtpFamily::Metier, items: items("Métier", 7) },
            MtpFamilyAnswers { family: MtpFamily::Talent, items: items("Talent", 3) },
            MtpFamilyAnswers { family: MtpFamily::Paradigme, items: items("Paradigme", 3) },
        ],
        documents: vec![
            document(DocumentType::Cv, "CV_Hélène_Nzé.pdf", 251_187),
            document(DocumentType::CoverLetter, "Lettre_de_motivation.pdf", 98_304),
            document(DocumentType::Diplome, "Diplôme_ingénieur_ENSET.pdf", 3_145_728),
            document(DocumentType::Certificats, "Habilitation_électrique_B2V.pdf", 512),
        ],
        history,
        evaluations: DossierEvaluations::default(),
    }
}

fn document(kind: DocumentType, file_name: &str, size_bytes: u64) -> DossierDocument {
    DossierDocument { kind, file_name: file_name.to_owned(), size_bytes, sha256: format!("{size_bytes:064x}") }
}

fn evaluations() -> DossierEvaluations {
    DossierEvaluations {
        protocol1: Some(EvaluationSummary {
            overall_score: Some(14.5),
            scores: vec![
                NamedScore { label: "Évaluation documentaire".to_owned(), score: Some(15.0) },
                NamedScore { label: "Épreuve MTP".to_owned(), score: Some(13.75) },
                NamedScore { label: "Entretien".to_owned(), score: None },
            ],
        }),
        protocol2: Some(EvaluationSummary {
            overall_score: None,
            scores: vec![NamedScore { label: "QCM CODIR".to_owned(), score: Some(11.0) }],
        }),
    }
}

fn minimal() -> Dossier {
    let mut dossier = rich();
    dossier.candidate = DossierCandidate {
        first_name: "Paul".to_owned(),
        last_name: "Obiang".to_owned(),
        email: "paul@example.com".to_owned(),
        phone: None,
        date_of_birth: None,
        sexe: None,
        kind: CandidateKind::External,
        matricule: None,
        address: None,
        current_position: None,
        years_of_experience: None,
    };
    dossier.offer.reference = None;
    dossier.offer.department = None;
    dossier.application.has_been_manager = None;
    dossier.application.status = ApplicationStatus::Candidature;
    dossier.mtp = Vec::new();
    dossier.documents = Vec::new();
    dossier.history = Vec::new();
    dossier
}

fn render(dossier: &Dossier) -> Vec<u8> {
    PdfDossierRenderer::new().render(dossier).unwrap()
}

/// The PDF's page count and its text, as a reader extracts it, with spacing collapsed (a reader may split a
/// line where the writer placed runs; the test looks at words, not at the run boundaries).
fn read_back(bytes: &[u8]) -> (usize, String) {
    assert!(bytes.starts_with(b"%PDF-"), "no PDF header");
    assert!(bytes.trim_ascii_end().ends_with(b"%%EOF"), "no PDF trailer");
    let document = lopdf::Document::load_mem(bytes).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).unwrap();
    let text = text.replace('\u{a0}', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    (pages.len(), text)
}

fn first_words(text: &str, count: usize) -> String {
    text.split_whitespace().take(count).collect::<Vec<_>>().join(" ")
}

#[test]
fn a_rich_dossier_paginates_and_reads_back_with_every_answer_document_and_status() {
    let dossier = rich();
    let (pages, text) = read_back(&render(&dossier));

    assert!(pages > 1, "13 long answers and 20 history rows fit on {pages} page(s)");
    for expected in [
        "SEEG – Dossier de candidature",
        "Hélène-Françoise Nzé Ôbame",
        "Électricité",
        OFFER_TITLE,
        "SEEG-2026-ÉL-007",
        "helene.nze@example.ga",
        "14/03/1990",
        "Interne",
        "123456",
        "Technicienne supérieure — maintenance",
        "12 ans",
        "Généré le 26/11/2025 à 10:50 UTC",
        "Non retenue (refuse)",
        "250 000 €",
        "« J'ai piloté l'électrification",
        "cœur du métier",
        "Aucune évaluation enregistrée.",
        &format!("Page 1 / {pages}"),
        &format!("Page {pages} / {pages}"),
    ] {
        assert!(text.contains(expected), "missing « {expected} »");
    }
    for family in &dossier.mtp {
        for item in &family.items {
            let answer = item.answer.as_deref().unwrap();
            assert!(text.contains(&first_words(answer, 4)), "missing the answer « {} »", first_words(answer, 4));
            assert!(text.contains(&first_words(&item.question, 3)));
        }
    }
    for document in &dossier.documents {
        assert!(text.contains(&document.file_name), "missing {}", document.file_name);
        assert!(text.contains(document.kind.label()));
        assert!(text.contains(&document.sha256));
    }
    for status in [
        ApplicationStatus::Candidature,
        ApplicationStatus::Incubation,
        ApplicationStatus::EntretienProgramme,
        ApplicationStatus::SimulationProgrammee,
        ApplicationStatus::Refuse,
    ] {
        assert!(text.contains(status.label()), "missing the status {status}");
    }
    for n in [0, 7, 19] {
        assert!(text.contains(&format!("Note d'étape {n} :")), "missing the history note {n}");
        assert!(text.contains(&format!("Recruteur n°{n} — Service RH")));
    }
    assert!(text.contains("Dépôt : Candidature reçue"));
    assert!(text.contains("Candidature reçue → En incubation"));
}

#[test]
fn the_last_words_of_the_longest_answers_are_not_cut_off() {
    let (_, text) = read_back(&render(&rich()));
    let tail = "cœur du métier, sécurité, qualité de service à l'usager.";
    assert_eq!(text.matches(tail).count(), 13, "every answer ends on a page");
}

#[test]
fn evaluations_read_back_with_their_scores_out_of_twenty() {
    let mut dossier = rich();
    dossier.evaluations = evaluations();
    let (_, text) = read_back(&render(&dossier));
    for expected in [
        "Protocole 1",
        "Note globale",
        "14,5 / 20",
        "Évaluation documentaire",
        "15 / 20",
        "13,75 / 20",
        "Non noté",
        "Protocole 2",
        "11 / 20",
    ] {
        assert!(text.contains(expected), "missing « {expected} »");
    }
    assert!(!text.contains("Aucune évaluation enregistrée."));
}

#[test]
fn a_minimal_dossier_renders_on_one_page_and_says_what_is_missing() {
    let (pages, text) = read_back(&render(&minimal()));
    assert_eq!(pages, 1);
    for expected in [
        "Paul Obiang",
        OFFER_TITLE,
        "Externe",
        "Non renseigné",
        "Candidature reçue (candidature)",
        "Aucune question MTP pour cette offre.",
        "Aucun document.",
        "Aucun changement de statut enregistré.",
        "Aucune évaluation enregistrée.",
        "Page 1 / 1",
        &Uuid::from_u128(0x42).to_string(),
    ] {
        assert!(text.contains(expected), "missing « {expected} »");
    }
    assert!(!text.contains("Matricule"), "an external candidate has no matricule line");
}

#[test]
fn an_unanswered_question_says_so() {
    let mut dossier = minimal();
    dossier.mtp = vec![MtpFamilyAnswers {
        family: MtpFamily::Talent,
        items: vec![
            MtpItem { question: "Quel est votre plus grand talent ?".to_owned(), answer: None },
            MtpItem { question: "Et le second ?".to_owned(), answer: Some("  ".to_owned()) },
        ],
    }];
    let (_, text) = read_back(&render(&dossier));
    assert!(text.contains("Talent (2 question(s))"));
    assert!(text.contains("Question 1 : Quel est votre plus grand talent ?"));
    assert_eq!(text.matches("Aucune réponse").count(), 2);
}

#[test]
fn the_same_dossier_gives_the_same_bytes_and_another_one_other_bytes() {
    let dossier = rich();
    assert_eq!(render(&dossier), render(&dossier));
    let mut later = dossier.clone();
    later.generated_at += Duration::minutes(1);
    assert_ne!(render(&dossier), render(&later));
}

#[test]
fn the_metadata_name_the_dossier_and_seeg_onehcm() {
    let bytes = render(&rich());
    let document = lopdf::Document::load_mem(&bytes).unwrap();
    let info = document.trailer.get(b"Info").and_then(lopdf::Object::as_reference).unwrap();
    let info = document.get_dictionary(info).unwrap();
    let string = |key: &[u8]| lopdf::decode_text_string(info.get(key).unwrap()).unwrap();
    assert_eq!(string(b"Author"), "SEEG — OneHCM");
    assert_eq!(string(b"Title"), format!("Dossier de candidature — Hélène-Françoise Nzé Ôbame — {OFFER_TITLE}"));
    let created = string(b"CreationDate");
    assert!(created.starts_with("D:20251126105000"), "{created}");
}

/// A dossier is a PDF a candidate could upload too: the inspector loads every object of it and finds nothing
/// active.
#[test]
fn dossiers_pass_the_inspector() {
    for dossier in [rich(), minimal()] {
        assert_eq!(seeg_adapters_pdf::active_content(&render(&dossier)), Ok(()));
    }
}

#[test]
fn letter_pages_are_letter_sized() {
    let mut dossier = minimal();
    dossier.page_size = PageSize::Letter;
    let document = lopdf::Document::load_mem(&render(&dossier)).unwrap();
    let page = *document.get_pages().values().next().unwrap();
    let media_box = document.get_dictionary(page).unwrap().get(b"MediaBox").unwrap().as_array().unwrap();
    let numbers: Vec<f32> = media_box.iter().map(|n| n.as_float().unwrap()).collect();
    assert_eq!(numbers, [0.0, 0.0, 612.0, 792.0]);
}

#[test]
fn any_text_renders_even_characters_the_font_lacks_and_words_wider_than_a_line() {
    let mut dossier = minimal();
    let url = format!("https://exemple.ga/{}", "portfolio-".repeat(150));
    dossier.mtp = vec![MtpFamilyAnswers {
        family: MtpFamily::Paradigme,
        items: vec![MtpItem {
            question: "Votre devise ?".to_owned(),
            answer: Some(format!("Toujours 前进 🚀\u{0}\u{7} e\u{301}nergie\r\n{url}")),
        }],
    }];
    let (_, text) = read_back(&render(&dossier));
    assert!(text.contains("Toujours"));
    assert!(text.contains("énergie"), "a combining accent is composed");
    let joined: String = text.split_whitespace().collect();
    assert!(joined.contains(&url), "the unbroken address continues line after line, whole");
}
