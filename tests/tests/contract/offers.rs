//! `OfferRepository` + `OfferWriter` + `ApplicationCounts`: the visibility rule, order, pages, filters, search,
//! updates, deletes, counts, conflicts, transactions.

use std::collections::BTreeMap;

use seeg_application::offers::{OfferFilter, SEARCH_TOTAL_CAP};
use seeg_application::{Page, StoreError};
use seeg_domain::applications::ApplicationStatus;
use seeg_domain::identity::{CandidateKind, User};
use seeg_domain::offers::{Audience, JobOffer, MtpQuestions, OfferStatus, OfferVisibility};
use seeg_tests::applications;
use seeg_tests::offers::{offer, with};
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, insert_offers, on_backends, ports};

const ALL: Page = Page { skip: 0, limit: 1000 };

async fn an_inserted_offer_reads_back_equal(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut full = offer("Toutes les valeurs", 0);
    full.salary_note = Some("Brut mensuel".into());
    full.date_limite = full.application_deadline;
    full.start_date = Some(full.created_at);
    full.categorie_metier = Some("Technique".into());
    full.questions_mtp = Some(
        MtpQuestions::parse(
            (1..=7).map(|i| format!("Métier {i} ?")).collect(),
            vec!["Talent ?".into()],
            vec!["Paradigme « é » ?".into()],
        )
        .unwrap(),
    );
    let mut bare = offer("Valeurs absentes", 1);
    bare.department = None;
    bare.salary_min = None;
    bare.salary_max = None;
    bare.requirements = Vec::new();
    bare.responsibilities = Vec::new();
    bare.application_deadline = None;
    bare.reporting_line = None;
    bare.profile = None;
    bare.job_grade = None;
    bare.questions_mtp = None;
    insert_offers(p.uow.as_ref(), &[full.clone(), bare.clone()]).await;

    assert_eq!(p.offers.get(full.id).await.unwrap(), Some(full));
    assert_eq!(p.offers.get(bare.id).await.unwrap(), Some(bare));
    assert_eq!(p.offers.get(seeg_tests::offers::offer("x", 0).id).await.unwrap(), None);
}

async fn inserting_an_existing_id_is_a_conflict_and_changes_nothing(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let original = offer("Originale", 0);
    insert_offers(p.uow.as_ref(), std::slice::from_ref(&original)).await;

    let mut copy = original.clone();
    copy.title = "Remplaçante".into();
    let mut tx = p.uow.begin().await.unwrap();
    let result = tx.offers().insert(&copy).await;
    assert!(matches!(result, Err(StoreError::Conflict(_))), "{result:?}");
    drop(tx);
    assert_eq!(p.offers.get(original.id).await.unwrap().unwrap().title, "Originale");
}

async fn an_uncommitted_transaction_leaves_nothing(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let lost = offer("Jamais validée", 0);
    let mut tx = p.uow.begin().await.unwrap();
    tx.offers().insert(&lost).await.unwrap();
    drop(tx);
    assert_eq!(p.offers.get(lost.id).await.unwrap(), None);
    // The store is still usable after a rollback.
    insert_offers(p.uow.as_ref(), &[offer("Ensuite", 1)]).await;
    assert_eq!(p.offers.count(&OfferFilter::for_audience(Audience::Staff)).await.unwrap(), 1);
}

async fn each_audience_lists_what_r14_lets_it_see(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut all = Vec::new();
    for (i, status) in OfferStatus::ALL.into_iter().enumerate() {
        for (j, visibility) in OfferVisibility::ALL.into_iter().enumerate() {
            let minutes = i64::try_from(i * 3 + j).unwrap();
            all.push(with(offer(&format!("{status}/{visibility}"), minutes), status, visibility));
        }
    }
    insert_offers(p.uow.as_ref(), &all).await;

    for audience in [
        Audience::Anonymous,
        Audience::Candidate(CandidateKind::External),
        Audience::Candidate(CandidateKind::Internal),
        Audience::Staff,
    ] {
        let filter = OfferFilter::for_audience(audience);
        let listed = p.offers.list(&filter, ALL).await.unwrap();
        let mut expected: Vec<_> = all.iter().filter(|o| o.is_visible_to(audience)).collect();
        expected.sort_by_key(|o| std::cmp::Reverse(o.created_at));
        let listed_titles: Vec<&str> = listed.items.iter().map(|o| o.title.as_str()).collect();
        let expected_titles: Vec<&str> = expected.iter().map(|o| o.title.as_str()).collect();
        assert_eq!(listed_titles, expected_titles, "{audience:?}");
        assert_eq!(listed.total, expected.len() as u64, "{audience:?}");
        assert_eq!(p.offers.count(&filter).await.unwrap(), listed.total, "{audience:?}");
    }
}

async fn pages_slice_a_deterministic_order_and_report_the_true_total(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut offers: Vec<_> = (0..7).map(|i| offer(&format!("O{i}"), i / 2)).collect();
    insert_offers(p.uow.as_ref(), &offers).await;
    offers.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));

    let filter = OfferFilter::for_audience(Audience::Anonymous);
    let mut paged = Vec::new();
    for skip in (0..8).step_by(3) {
        let page = p.offers.list(&filter, Page { skip, limit: 3 }).await.unwrap();
        assert_eq!(page.total, 7);
        paged.extend(page.items.into_iter().map(|o| o.id));
    }
    assert_eq!(paged, offers.iter().map(|o| o.id).collect::<Vec<_>>());

    for page in [Page { skip: 50, limit: 3 }, Page { skip: 0, limit: 0 }] {
        let empty = p.offers.list(&filter, page).await.unwrap();
        assert!(empty.items.is_empty());
        assert_eq!(empty.total, 7, "{page:?}: an empty page still reports the true total");
    }
}

async fn location_matches_a_folded_substring_and_contract_type_exactly(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let located = |title: &str, minutes: i64, location: &str| {
        let mut o = offer(title, minutes);
        o.location = location.into();
        o
    };
    let mut port_gentil = located("B", 2, "PORT-GENTIL");
    port_gentil.contract_type = "CDD".into();
    let offers =
        [located("A", 3, "Libreville Nord"), port_gentil, located("C", 1, "50%_Zone"), located("D", 0, "Ndjolé")];
    insert_offers(p.uow.as_ref(), &offers).await;

    let titles = |filter: OfferFilter| {
        let offers = p.offers.clone();
        async move { offers.list(&filter, ALL).await.unwrap().items.into_iter().map(|o| o.title).collect::<Vec<_>>() }
    };
    let base = OfferFilter::for_audience(Audience::Staff);
    let by_location = |l: &str| OfferFilter { location: Some(l.into()), ..base.clone() };
    assert_eq!(titles(by_location("libreville")).await, ["A"]);
    assert_eq!(titles(by_location("gentil")).await, ["B"]);
    assert_eq!(titles(by_location("%_")).await, ["C"]);
    assert_eq!(titles(by_location("%")).await, ["C"]);
    assert!(titles(by_location("Lyon")).await.is_empty());
    assert_eq!(titles(by_location("NDJOLÉ")).await, ["D"], "case folds beyond ASCII");
    assert_eq!(titles(by_location("ndjole")).await, ["D"], "accents are ignored");
    let cdd = OfferFilter { contract_type: Some("CDD".into()), ..base.clone() };
    assert_eq!(titles(cdd).await, ["B"]);
    let both = OfferFilter { location: Some("nord".into()), contract_type: Some("CDD".into()), ..base };
    assert!(titles(both).await.is_empty());
}

async fn a_legacy_offer_beyond_today_s_limits_still_reads(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut legacy = offer("Importée du service historique", 0);
    legacy.questions_mtp = Some(MtpQuestions::from_stored((1..=9).map(|i| format!("Q{i}")).collect(), vec![], vec![]));
    insert_offers(p.uow.as_ref(), std::slice::from_ref(&legacy)).await;
    assert_eq!(p.offers.get(legacy.id).await.unwrap(), Some(legacy.clone()));
    let listed = p.offers.list(&OfferFilter::for_audience(Audience::Anonymous), ALL).await.unwrap();
    assert_eq!(listed.items, [legacy]);
}

async fn titles_of(p: &Ports, filter: OfferFilter) -> Vec<String> {
    p.offers.list(&filter, ALL).await.unwrap().items.into_iter().map(|o| o.title).collect()
}

fn staff() -> OfferFilter {
    OfferFilter::for_audience(Audience::Staff)
}

async fn insert_users(p: &Ports, users: &[User]) {
    let mut tx = p.uow.begin().await.unwrap();
    for u in users {
        tx.users().insert(u).await.unwrap();
    }
    tx.commit().await.unwrap();
}

async fn an_update_replaces_every_field_and_says_whether_the_offer_existed(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let original = offer("Avant", 0);
    insert_offers(p.uow.as_ref(), std::slice::from_ref(&original)).await;

    let mut changed = original.clone();
    changed.title = "Après la modification".into();
    changed.department = None;
    changed.status = OfferStatus::Closed;
    changed.questions_mtp = None;
    changed.requirements = Vec::new();
    changed.updated_at = original.updated_at + chrono::TimeDelta::minutes(5);
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.offers().update(&changed).await.unwrap());
    assert!(!tx.offers().update(&offer("Inconnue", 0)).await.unwrap(), "an unknown id updates nothing");
    tx.commit().await.unwrap();
    assert_eq!(p.offers.get(original.id).await.unwrap(), Some(changed.clone()));
    assert_eq!(titles_of(&p, OfferFilter { q: Some("apres".into()), ..staff() }).await, ["Après la modification"]);
    assert!(titles_of(&p, OfferFilter { q: Some("avant".into()), ..staff() }).await.is_empty(), "search follows");

    let mut lost = changed.clone();
    lost.title = "Jamais validée".into();
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.offers().update(&lost).await.unwrap());
    drop(tx);
    assert_eq!(p.offers.get(original.id).await.unwrap(), Some(changed), "an uncommitted update leaves nothing");
}

async fn a_delete_removes_the_offer_unless_it_has_applications(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (free, applied) = (offer("Sans candidature", 0), offer("Avec candidature", 1));
    insert_offers(p.uow.as_ref(), &[free.clone(), applied.clone()]).await;
    let candidate = user("candidate@example.com");
    insert_users(&p, std::slice::from_ref(&candidate)).await;
    applications::seed(p.uow.as_ref(), candidate.id, applied.id, ApplicationStatus::Candidature).await;

    let mut tx = p.uow.begin().await.unwrap();
    let refused = tx.offers().delete(applied.id).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    drop(tx);
    assert!(p.offers.get(applied.id).await.unwrap().is_some());

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.offers().delete(free.id).await.unwrap());
    assert!(!tx.offers().delete(free.id).await.unwrap(), "the second delete finds nothing");
    tx.commit().await.unwrap();
    assert_eq!(p.offers.get(free.id).await.unwrap(), None);
    assert_eq!(p.application_counts.count_for_offer(applied.id).await.unwrap(), 1);
    assert_eq!(p.application_counts.count_for_offer(free.id).await.unwrap(), 0);
}

fn described(title: &str, minutes: i64, description: &str, department: Option<&str>, location: &str) -> JobOffer {
    let mut o = offer(title, minutes);
    o.description = description.into();
    o.department = department.map(Into::into);
    o.location = location.into();
    o
}

async fn search_ignores_case_and_accents_and_ranks_title_matches_first(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let offers = [
        described("Comptable", 5, "Suivi des factures d'électricité des abonnés", None, "Libreville"),
        described("Technicien ÉLECTRICITÉ", 1, "Maintenance des postes HTA", None, "Port-Gentil"),
        described("Chef d'agence", 4, "Gestion commerciale de l'agence", Some("Direction de l'Électricité"), "Oyem"),
        described("Ingénieur electricite", 0, "Études de réseau", None, "Franceville"),
        described("Agent 100% terrain", 3, "Relevés de compteurs d'eau", None, "Électricité-sur-Mer"),
        described("Juriste", 2, "Contrats et contentieux", Some("Direction juridique"), "Libreville"),
    ];
    insert_offers(p.uow.as_ref(), &offers).await;
    let search = |q: &str| titles_of(&p, OfferFilter { q: Some(q.into()), ..staff() });

    // Title matches first (newest first among them), then the others newest first.
    let expected =
        ["Technicien ÉLECTRICITÉ", "Ingénieur electricite", "Comptable", "Chef d'agence", "Agent 100% terrain"];
    assert_eq!(search("électricité").await, expected);
    assert_eq!(search("ELECTRICITE").await, expected);
    assert_eq!(search("electricite").await, expected);
    assert_eq!(search("contentieux").await, ["Juriste"], "the description is searched");
    assert_eq!(search("juridique").await, ["Juriste"], "the department is searched");
    assert_eq!(search("FRANCEVILLE").await, ["Ingénieur electricite"], "the location is searched");
    assert_eq!(search("100%").await, ["Agent 100% terrain"], "% is literal");
    assert!(search("100_").await.is_empty(), "_ is literal");
    assert!(search("hta maintenance").await.is_empty(), "a term is a substring, not a set of words");
    assert!(search("electricien").await.is_empty());
    let filter = OfferFilter { q: Some("electricite".into()), ..staff() };
    let page = p.offers.list(&filter, Page { skip: 1, limit: 2 }).await.unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(page.items.iter().map(|o| o.title.as_str()).collect::<Vec<_>>(), ["Ingénieur electricite", "Comptable"]);
}

/// Search pages (P3) run from the title matches into the other matches wherever they start, and their total is
/// the true count of matches.
async fn search_pages_cross_from_title_matches_to_the_others(backend: Backend) {
    let (p, _db) = ports(backend).await;
    // Three title matches and three description matches, newest first within each; one offer matches nothing.
    let offers = [
        offer("Releveur 1", 10),
        offer("Releveur 2", 11),
        offer("Releveur 3", 12),
        described("Agent A", 20, "Tournées de releveur", None, "Oyem"),
        described("Agent B", 21, "Tournées de releveur", None, "Oyem"),
        described("Agent C", 22, "Tournées de releveur", None, "Oyem"),
        offer("Comptable", 30),
    ];
    insert_offers(p.uow.as_ref(), &offers).await;
    let filter = OfferFilter { q: Some("RELEVEUR".into()), ..staff() };
    let page = async |skip, limit| {
        let found = p.offers.list(&filter, Page { skip, limit }).await.unwrap();
        (found.items.into_iter().map(|o| o.title).collect::<Vec<_>>(), found.total)
    };
    let titles = |t: &[&str]| t.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>();
    assert_eq!(page(0, 2).await, (titles(&["Releveur 3", "Releveur 2"]), 6), "a full page: counted");
    assert_eq!(page(2, 2).await, (titles(&["Releveur 1", "Agent C"]), 6), "across the two parts");
    assert_eq!(page(3, 2).await, (titles(&["Agent C", "Agent B"]), 6), "right after the title matches");
    assert_eq!(page(4, 10).await, (titles(&["Agent B", "Agent A"]), 6), "the last page");
    assert_eq!(page(6, 2).await, (titles(&[]), 6), "past the end");
    assert_eq!(page(0, 10).await.0.len(), 6);
    let nothing = OfferFilter { q: Some("plombier".into()), ..staff() };
    assert_eq!(p.offers.list(&nothing, Page { skip: 0, limit: 10 }).await.unwrap().total, 0);
    assert_eq!(p.offers.list(&nothing, Page { skip: 5, limit: 10 }).await.unwrap().total, 0);
}

/// With `q`, the total stops at `SEARCH_TOTAL_CAP` (P3); without, every match is counted; pages go on past the cap.
async fn a_search_total_stops_at_the_cap(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let over = 5;
    let offers: Vec<JobOffer> = (0..SEARCH_TOTAL_CAP + over)
        .map(|i| offer(&format!("Releveur {i}"), i64::try_from(i).unwrap()))
        .chain([offer("Comptable", -1)])
        .collect();
    insert_offers(p.uow.as_ref(), &offers).await;
    let search = OfferFilter { q: Some("releveur".into()), ..staff() };
    let first = p.offers.list(&search, Page { skip: 0, limit: 10 }).await.unwrap();
    assert_eq!((first.items.len(), first.total), (10, SEARCH_TOTAL_CAP));
    assert_eq!(first.items[0].title, format!("Releveur {}", SEARCH_TOTAL_CAP + over - 1), "newest first");
    let last = p.offers.list(&search, Page { skip: SEARCH_TOTAL_CAP, limit: 10 }).await.unwrap();
    assert_eq!((last.items.len(), last.total), (usize::try_from(over).unwrap(), SEARCH_TOTAL_CAP));
    assert_eq!(last.items.last().unwrap().title, "Releveur 0");
    let everything = p.offers.list(&staff(), Page { skip: 0, limit: 10 }).await.unwrap();
    assert_eq!(everything.total, SEARCH_TOTAL_CAP + over + 1, "no q: the exact count");
    for blank in ["\u{301}", " \u{300}\u{301} "] {
        let marks = OfferFilter { q: Some(blank.into()), ..staff() };
        let listed = p.offers.list(&marks, Page { skip: 0, limit: 10 }).await.unwrap();
        assert_eq!(listed, everything, "{blank:?} folds to nothing: no q");
        assert_eq!(p.offers.count(&marks).await.unwrap(), everything.total, "{blank:?}");
    }
}

/// A search never widens what an audience sees (R14): an offer hidden from it stays hidden whether its title, its
/// description or nothing matches, and the total counts only what the page may show.
async fn a_search_shows_each_audience_only_what_r14_lets_it_see(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let mut all = Vec::new();
    for (i, status) in OfferStatus::ALL.into_iter().enumerate() {
        for (j, visibility) in OfferVisibility::ALL.into_iter().enumerate() {
            let minutes = i64::try_from(i * 10 + j * 3).unwrap();
            let titled = format!("Releveur {status}/{visibility}");
            all.push(with(offer(&titled, minutes), status, visibility));
            let described =
                described(&format!("Agent {status}/{visibility}"), minutes + 1, "Tournées de RELEVÉ", None, "Oyem");
            all.push(with(described, status, visibility));
            all.push(with(offer(&format!("Comptable {status}/{visibility}"), minutes + 2), status, visibility));
        }
    }
    insert_offers(p.uow.as_ref(), &all).await;
    for audience in [
        Audience::Anonymous,
        Audience::Candidate(CandidateKind::External),
        Audience::Candidate(CandidateKind::Internal),
        Audience::Staff,
    ] {
        let filter = OfferFilter { q: Some("relevé".into()), ..OfferFilter::for_audience(audience) };
        let visible = |prefix: &str| {
            let mut titles: Vec<&JobOffer> =
                all.iter().filter(|o| o.title.starts_with(prefix) && o.is_visible_to(audience)).collect();
            titles.sort_by_key(|o| std::cmp::Reverse(o.created_at));
            titles.into_iter().map(|o| o.title.clone()).collect::<Vec<_>>()
        };
        let expected = [visible("Releveur "), visible("Agent ")].concat();
        assert!(!expected.is_empty(), "{audience:?}");
        assert_eq!(titles_of(&p, filter.clone()).await, expected, "{audience:?}");
        let page = p.offers.list(&filter, Page { skip: 1, limit: 2 }).await.unwrap();
        assert_eq!(page.total, expected.len() as u64, "{audience:?}");
        assert_eq!(p.offers.count(&filter).await.unwrap(), page.total, "{audience:?}");
    }
}

async fn department_status_and_recruiter_filters_narrow_the_list(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let recruiter_account = user("recruteur@seeg-gabon.com");
    insert_users(&p, std::slice::from_ref(&recruiter_account)).await;
    let recruiter = recruiter_account.id;
    let mut mine = with(offer("A moi, fermée", 3), OfferStatus::Closed, OfferVisibility::InternalOnly);
    mine.recruiter_id = Some(recruiter);
    let mut mine_active = offer("A moi, active", 2);
    mine_active.recruiter_id = Some(recruiter);
    let mut water = offer("Eau", 1);
    water.department = Some("Direction de l'Eau potable".into());
    let mut none = offer("Sans direction", 0);
    none.department = None;
    insert_offers(p.uow.as_ref(), &[mine, mine_active, water, none]).await;

    let by_department = |d: &str| OfferFilter { department: Some(d.into()), ..staff() };
    assert_eq!(titles_of(&p, by_department("EAU POTABLE")).await, ["Eau"]);
    assert_eq!(titles_of(&p, by_department("l'eau")).await.len(), 3, "the sample department is Direction de l'Eau");
    let closed = OfferFilter { status: Some(OfferStatus::Closed), ..staff() };
    assert_eq!(titles_of(&p, closed.clone()).await, ["A moi, fermée"]);
    let external = OfferFilter { audience: Audience::Candidate(CandidateKind::External), ..closed };
    assert!(titles_of(&p, external).await.is_empty(), "a status filter never widens the audience");
    let own = OfferFilter { recruiter_id: Some(recruiter), ..staff() };
    assert_eq!(titles_of(&p, own).await, ["A moi, fermée", "A moi, active"]);

    let counts = p.offers.count_by_status_for_recruiter(recruiter).await.unwrap();
    assert_eq!(counts, BTreeMap::from([(OfferStatus::Active, 1), (OfferStatus::Closed, 1)]));
    assert!(p.offers.count_by_status_for_recruiter(uuid::Uuid::from_u128(1)).await.unwrap().is_empty());
}

async fn applications_are_counted_per_offer_and_per_status_for_a_recruiter(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let recruiters = [user("r1@seeg-gabon.com"), user("r2@seeg-gabon.com")];
    insert_users(&p, &recruiters).await;
    let (recruiter, other) = (recruiters[0].id, recruiters[1].id);
    let owned = |title: &str, minutes: i64, by: uuid::Uuid| {
        let mut o = offer(title, minutes);
        o.recruiter_id = Some(by);
        o
    };
    let (first, second, foreign) = (owned("Un", 0, recruiter), owned("Deux", 1, recruiter), owned("Autre", 2, other));
    insert_offers(p.uow.as_ref(), &[first.clone(), second.clone(), foreign.clone()]).await;
    let candidates: Vec<User> = (0..3).map(|i| user(&format!("c{i}@example.com"))).collect();
    insert_users(&p, &candidates).await;
    for (candidate, offer, status) in [
        (&candidates[0], &first, ApplicationStatus::Candidature),
        (&candidates[1], &first, ApplicationStatus::Candidature),
        (&candidates[2], &first, ApplicationStatus::Refuse),
        (&candidates[0], &second, ApplicationStatus::Incubation),
        (&candidates[1], &foreign, ApplicationStatus::Candidature),
    ] {
        applications::seed(p.uow.as_ref(), candidate.id, offer.id, status).await;
    }

    assert_eq!(p.application_counts.count_for_offer(first.id).await.unwrap(), 3);
    assert_eq!(p.application_counts.count_for_offer(second.id).await.unwrap(), 1);
    assert_eq!(p.application_counts.count_for_offer(uuid::Uuid::from_u128(99)).await.unwrap(), 0);
    let counts = p.application_counts.counts_by_status_for_recruiter(recruiter).await.unwrap();
    let expected =
        BTreeMap::from([("candidature".to_owned(), 2), ("incubation".to_owned(), 1), ("refuse".to_owned(), 1)]);
    assert_eq!(counts, expected);
    assert_eq!(
        p.application_counts.counts_by_status_for_recruiter(other).await.unwrap(),
        BTreeMap::from([("candidature".to_owned(), 1)])
    );
    assert!(p.application_counts.counts_by_status_for_recruiter(uuid::Uuid::from_u128(12)).await.unwrap().is_empty());
}

async fn the_catalogue_version_grows_with_every_committed_offer_write(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let start = p.offers.version().await.unwrap();
    let mut job = offer("Versionnée", 0);
    insert_offers(p.uow.as_ref(), std::slice::from_ref(&job)).await;
    let inserted = p.offers.version().await.unwrap();
    assert!(inserted > start, "{start} then {inserted}");

    job.title = "Versionnée deux fois".into();
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.offers().update(&job).await.unwrap());
    assert_eq!(p.offers.version().await.unwrap(), inserted, "not before the commit");
    tx.commit().await.unwrap();
    let updated = p.offers.version().await.unwrap();
    assert!(updated > inserted, "{inserted} then {updated}");

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.offers().delete(job.id).await.unwrap());
    drop(tx);
    assert_eq!(p.offers.version().await.unwrap(), updated, "a rolled-back write changes nothing");

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.offers().delete(job.id).await.unwrap());
    tx.commit().await.unwrap();
    let deleted = p.offers.version().await.unwrap();
    assert!(deleted > updated, "{updated} then {deleted}");
}

on_backends!(Memory, Sqlite, Postgres =>
    the_catalogue_version_grows_with_every_committed_offer_write,
    an_update_replaces_every_field_and_says_whether_the_offer_existed,
    a_delete_removes_the_offer_unless_it_has_applications,
    search_ignores_case_and_accents_and_ranks_title_matches_first,
    search_pages_cross_from_title_matches_to_the_others,
    a_search_total_stops_at_the_cap,
    a_search_shows_each_audience_only_what_r14_lets_it_see,
    department_status_and_recruiter_filters_narrow_the_list,
    applications_are_counted_per_offer_and_per_status_for_a_recruiter,
    a_legacy_offer_beyond_today_s_limits_still_reads,
    an_inserted_offer_reads_back_equal,
    inserting_an_existing_id_is_a_conflict_and_changes_nothing,
    an_uncommitted_transaction_leaves_nothing,
    each_audience_lists_what_r14_lets_it_see,
    pages_slice_a_deterministic_order_and_report_the_true_total,
    location_matches_a_folded_substring_and_contract_type_exactly,
);
