//! `UserRepository::list`: each filter, the folded search `q` (case and accents ignored, `%` and `_` literal),
//! each sort key in both orders with the tie broken by id, pages, and the true total (F5).

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::Page;
use seeg_application::identity::{SortOrder, UserFilter, UserSort, UserSortKey};
use seeg_domain::identity::{Role, User, UserStatus};
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

const ALL: Page = Page { skip: 0, limit: 1000 };

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn account(email: &str, first: &str, last: &str, role: Role, status: UserStatus, minutes: i64) -> User {
    let mut u = user(email);
    u.first_name = first.into();
    u.last_name = last.into();
    u.role = role;
    u.status = status;
    u.created_at = at(minutes);
    u.updated_at = at(minutes);
    u
}

/// Five accounts: two share a first name (Bruno) and two share a creation time, so ties need the id.
struct Directory {
    eloise: User,
    bruno_ondo: User,
    carine: User,
    denis: User,
    bruno_ekomi: User,
}

impl Directory {
    fn all(&self) -> [&User; 5] {
        [&self.eloise, &self.bruno_ondo, &self.carine, &self.denis, &self.bruno_ekomi]
    }
}

async fn directory(p: &Ports) -> Directory {
    let d = Directory {
        eloise: account("e.mba@seeg-gabon.com", "Éloïse", "Mba", Role::Candidate, UserStatus::Active, 0),
        bruno_ondo: account("bruno.ondo@exemple.ga", "Bruno", "Ondo", Role::Recruiter, UserStatus::Active, 10),
        carine: account("carine@exemple.ga", "Carine", "Nzé", Role::Candidate, UserStatus::Pending, 20),
        denis: account("d.akue@exemple.ga", "Denis", "Akue", Role::Observer, UserStatus::Blocked, 30),
        bruno_ekomi: account("b.ekomi@exemple.ga", "Bruno", "Ekomi", Role::Admin, UserStatus::Active, 30),
    };
    let mut tx = p.uow.begin().await.unwrap();
    for u in d.all() {
        tx.users().insert(u).await.unwrap();
    }
    tx.commit().await.unwrap();
    d
}

async fn list(p: &Ports, filter: &UserFilter, page: Page, sort: UserSort) -> (Vec<Uuid>, u64) {
    let found = p.users.list(filter, page, sort).await.unwrap();
    (found.items.iter().map(|u| u.id).collect(), found.total)
}

/// Ids of `users` in ascending id order (how ties are broken).
fn by_id(users: &[&User]) -> Vec<Uuid> {
    let mut ids: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    ids.sort();
    ids
}

fn q(text: &str) -> UserFilter {
    UserFilter { q: Some(text.to_owned()), ..UserFilter::default() }
}

async fn accounts_read_back_whole_and_filters_narrow_with_the_true_total(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let d = directory(&p).await;
    let everyone = p.users.list(&UserFilter::default(), ALL, UserSort::default()).await.unwrap();
    assert_eq!(everyone.total, 5);
    assert!(everyone.items.contains(&d.carine), "accounts read back whole");

    let sort = UserSort { key: UserSortKey::Email, order: SortOrder::Asc };
    let role = |role| UserFilter { role: Some(role), ..UserFilter::default() };
    assert_eq!(list(&p, &role(Role::Candidate), ALL, sort).await, (vec![d.carine.id, d.eloise.id], 2));
    assert_eq!(list(&p, &role(Role::Admin), ALL, sort).await, (vec![d.bruno_ekomi.id], 1));
    let status = |status| UserFilter { status: Some(status), ..UserFilter::default() };
    assert_eq!(
        list(&p, &status(UserStatus::Active), ALL, sort).await,
        (vec![d.bruno_ekomi.id, d.bruno_ondo.id, d.eloise.id], 3)
    );
    assert_eq!(list(&p, &status(UserStatus::Archived), ALL, sort).await, (vec![], 0));
    let both = UserFilter { role: Some(Role::Candidate), status: Some(UserStatus::Active), q: None };
    assert_eq!(list(&p, &both, ALL, sort).await, (vec![d.eloise.id], 1), "criteria are ANDed");
}

async fn q_ignores_case_and_accents_over_names_and_e_mail(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let d = directory(&p).await;
    let sort = UserSort { key: UserSortKey::Email, order: SortOrder::Asc };
    for (text, expected) in [
        ("eloise", vec![d.eloise.id]),
        ("ÉLOÏSE", vec![d.eloise.id]),
        ("  Eloïse  ", vec![d.eloise.id]),
        ("nze", vec![d.carine.id]),
        ("NZÉ", vec![d.carine.id]),
        ("mba@seeg", vec![d.eloise.id]),
        ("BRUNO", vec![d.bruno_ekomi.id, d.bruno_ondo.id]),
        ("bruno ondo", vec![d.bruno_ondo.id]),
        ("exemple.ga", vec![d.bruno_ekomi.id, d.bruno_ondo.id, d.carine.id, d.denis.id]),
        ("%", vec![]),
        ("_", vec![]),
        ("b%o", vec![]),
        ("mba eloise", vec![]),
    ] {
        let (ids, total) = list(&p, &q(text), ALL, sort).await;
        assert_eq!(ids, expected, "q = {text:?}");
        assert_eq!(total, expected.len() as u64, "q = {text:?}");
    }
    let admins_named_bruno = UserFilter { role: Some(Role::Admin), ..q("bruno") };
    assert_eq!(list(&p, &admins_named_bruno, ALL, sort).await, (vec![d.bruno_ekomi.id], 1));
}

async fn the_search_text_follows_an_account_s_update(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let d = directory(&p).await;
    let mut renamed = d.eloise.clone();
    renamed.first_name = "Zoé".into();
    renamed.email = "zoe.mba@seeg-gabon.com".into();
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().update(&renamed).await.unwrap();
    tx.commit().await.unwrap();

    let sort = UserSort::default();
    assert_eq!(list(&p, &q("zoe"), ALL, sort).await, (vec![d.eloise.id], 1));
    assert_eq!(list(&p, &q("eloise"), ALL, sort).await, (vec![], 0));
}

async fn every_sort_key_in_both_orders_breaks_ties_by_id(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let d = directory(&p).await;
    let brunos = by_id(&[&d.bruno_ondo, &d.bruno_ekomi]);
    let latest = by_id(&[&d.denis, &d.bruno_ekomi]);
    let cases = [
        (UserSortKey::FirstName, [brunos.clone(), vec![d.carine.id, d.denis.id, d.eloise.id]].concat()),
        (UserSortKey::LastName, vec![d.denis.id, d.bruno_ekomi.id, d.eloise.id, d.carine.id, d.bruno_ondo.id]),
        (UserSortKey::Email, vec![d.bruno_ekomi.id, d.bruno_ondo.id, d.carine.id, d.denis.id, d.eloise.id]),
        (UserSortKey::CreatedAt, [vec![d.eloise.id, d.bruno_ondo.id, d.carine.id], latest.clone()].concat()),
    ];
    for (key, ascending) in cases {
        let asc = UserSort { key, order: SortOrder::Asc };
        assert_eq!(list(&p, &UserFilter::default(), ALL, asc).await.0, ascending, "{key:?} asc");
        let desc = UserSort { key, order: SortOrder::Desc };
        let descending: Vec<Uuid> = ascending.iter().rev().copied().collect();
        assert_eq!(list(&p, &UserFilter::default(), ALL, desc).await.0, descending, "{key:?} desc");
    }
    assert_eq!(UserSort::default(), UserSort { key: UserSortKey::CreatedAt, order: SortOrder::Desc });
    let newest_first = list(&p, &UserFilter::default(), ALL, UserSort::default()).await.0;
    assert_eq!(newest_first[..2], [latest[1], latest[0]], "newest first, then id descending (F5)");
}

async fn pages_slice_the_order_and_the_total_counts_every_match(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let d = directory(&p).await;
    let sort = UserSort { key: UserSortKey::LastName, order: SortOrder::Asc };
    let none = UserFilter::default();
    let page = |skip, limit| Page { skip, limit };
    assert_eq!(list(&p, &none, page(0, 2), sort).await, (vec![d.denis.id, d.bruno_ekomi.id], 5));
    assert_eq!(list(&p, &none, page(2, 2), sort).await, (vec![d.eloise.id, d.carine.id], 5));
    assert_eq!(list(&p, &none, page(4, 2), sort).await, (vec![d.bruno_ondo.id], 5));
    assert_eq!(list(&p, &none, page(10, 2), sort).await, (vec![], 5), "past the end the total is still true");
    let candidates = UserFilter { role: Some(Role::Candidate), ..UserFilter::default() };
    assert_eq!(list(&p, &candidates, page(0, 1), sort).await, (vec![d.eloise.id], 2));
    assert_eq!(list(&p, &q("zzz"), page(0, 10), sort).await, (vec![], 0));
}

on_backends!(Memory, Sqlite, Postgres =>
    accounts_read_back_whole_and_filters_narrow_with_the_true_total,
    q_ignores_case_and_accents_over_names_and_e_mail,
    the_search_text_follows_an_account_s_update,
    every_sort_key_in_both_orders_breaks_ties_by_id,
    pages_slice_the_order_and_the_total_counts_every_match,
);
