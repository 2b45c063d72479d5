//! `OfferRepository` + `OfferWriter`: the visibility rule, order, pages, filters, conflicts, transactions.

use seeg_application::offers::OfferFilter;
use seeg_application::{Page, StoreError};
use seeg_domain::identity::CandidateKind;
use seeg_domain::offers::{Audience, MtpQuestions, OfferStatus, OfferVisibility};
use seeg_tests::offers::{offer, with};
use seeg_tests::{Backend, insert_offers, on_backends, ports};

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

on_backends!(Memory, Sqlite, Postgres =>
    a_legacy_offer_beyond_today_s_limits_still_reads,
    an_inserted_offer_reads_back_equal,
    inserting_an_existing_id_is_a_conflict_and_changes_nothing,
    an_uncommitted_transaction_leaves_nothing,
    each_audience_lists_what_r14_lets_it_see,
    pages_slice_a_deterministic_order_and_report_the_true_total,
    location_matches_a_folded_substring_and_contract_type_exactly,
);
