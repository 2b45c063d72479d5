//! The notification ports on every backend: the filtered list (each filter alone and together, sort and order,
//! ties by id, the true total beside the page), one account's notifications only, `get`, the unread count and
//! the statistics; `mark_read` and `mark_all_read` through the transaction, own-only and persisted; a
//! notification goes with the application it is about, and cannot name an unknown one.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::identity::{
    Notification, NotificationFilter, NotificationSort, NotificationSortKey, NotificationStats, SortOrder,
};
use seeg_application::{IdGenerator, Page, SystemIds};
use seeg_domain::applications::{Application, ApplicationStatus};
use seeg_domain::identity::User;
use seeg_tests::offers::base_time;
use seeg_tests::users::user;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

const ALL: Page = Page { skip: 0, limit: 100 };

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn note(user: &User, title: &str, message: &str, kind: &str, minutes: i64) -> Notification {
    Notification {
        id: SystemIds.new_id(),
        user_id: user.id,
        related_application_id: None,
        title: title.to_owned(),
        message: message.to_owned(),
        kind: kind.to_owned(),
        link: Some(format!("/notifications/{minutes}")),
        read: false,
        created_at: at(minutes),
    }
}

async fn insert(p: &Ports, notes: &[Notification]) {
    let mut tx = p.uow.begin().await.unwrap();
    for n in notes {
        tx.notifications().insert(n).await.unwrap();
    }
    tx.commit().await.unwrap();
}

/// Two accounts, an application of the first, and the first's notifications.
struct Inbox {
    me: User,
    other: User,
    application: Application,
    /// Oldest first: `created_at` = index minutes, except the last two, which share a time.
    mine: Vec<Notification>,
    theirs: Notification,
}

async fn inbox(p: &Ports) -> Inbox {
    let (me, other) = (user("lecteur@exemple.ga"), user("autre.lecteur@exemple.ga"));
    let mut tx = p.uow.begin().await.unwrap();
    tx.users().insert(&me).await.unwrap();
    tx.users().insert(&other).await.unwrap();
    tx.commit().await.unwrap();
    let offer = seeg_tests::offers::offer("Électricien", 0);
    seeg_tests::insert_offers(&*p.uow, std::slice::from_ref(&offer)).await;
    let application = seeg_tests::applications::seed(&*p.uow, me.id, offer.id, ApplicationStatus::Candidature).await;
    let mut mine = vec![
        note(&me, "Inscription réussie", "Bienvenue à la SEEG", "registration", 0),
        note(&me, "Candidature envoyée", "Votre dossier « Électricien » est reçu", "application_submitted", 1),
        note(&me, "Statut modifié", "Votre candidature passe en incubation", "application_status_changed", 2),
        note(&me, "Remise 100% garantie", "Taux de 50_pourcent, l'offre d'été", "system", 3),
        note(&me, "Entretien programmé", "Rendez-vous le 14 décembre à Libreville", "interview_scheduled", 4),
        note(&me, "Brouillon", "Sans type", "", 5),
        note(&me, "Alpha", "Même instant", "system", 6),
        note(&me, "Alpha", "Même instant, même titre", "system", 6),
    ];
    mine[1].related_application_id = Some(application.id);
    mine[2].related_application_id = Some(application.id);
    mine[0].read = true;
    mine[3].read = true;
    mine[5].link = None;
    let theirs = note(&other, "Statut modifié", "Pour l'autre compte", "application_status_changed", 3);
    insert(p, &mine).await;
    insert(p, std::slice::from_ref(&theirs)).await;
    Inbox { me, other, application, mine, theirs }
}

/// The titles and ids listed, for comparisons that name what differs.
fn ids(list: &[Notification]) -> Vec<Uuid> {
    list.iter().map(|n| n.id).collect()
}

/// `mine` picked by index, in that order.
fn pick(mine: &[Notification], indexes: &[usize]) -> Vec<Uuid> {
    indexes.iter().map(|&i| mine[i].id).collect()
}

async fn listed(p: &Ports, user: &User, filter: NotificationFilter, sort: NotificationSort) -> Vec<Uuid> {
    let page = p.notifications.list(user.id, &filter, ALL, sort).await.unwrap();
    assert_eq!(page.total, page.items.len() as u64, "{filter:?}: the total counts the matches");
    ids(&page.items)
}

/// The two notifications of minute 6 in id order.
fn tied(mine: &[Notification]) -> [usize; 2] {
    if mine[6].id < mine[7].id { [6, 7] } else { [7, 6] }
}

async fn each_filter_alone_and_together(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = inbox(&p).await;
    let newest = NotificationSort::default();
    let [t1, t2] = tied(&w.mine);
    let f = NotificationFilter::default;

    let all = p.notifications.list(w.me.id, &f(), ALL, newest).await.unwrap();
    let mut expected = w.mine.clone();
    expected.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    assert_eq!(all.items, expected, "every field reads back, newest first, ties by id descending");
    assert_eq!(all.total, 8);
    assert_eq!(all.items, p.notifications.list_for_user(w.me.id, ALL).await.unwrap().items);

    let unread = listed(&p, &w.me, NotificationFilter { unread_only: true, ..f() }, newest).await;
    assert_eq!(unread, pick(&w.mine, &[t2, t1, 5, 4, 2, 1]));

    let q = |q: &str| NotificationFilter { q: Some(q.to_owned()), ..f() };
    assert_eq!(listed(&p, &w.me, q("ELECTRICIEN"), newest).await, pick(&w.mine, &[1]), "case and accents");
    assert_eq!(listed(&p, &w.me, q("libreville"), newest).await, pick(&w.mine, &[4]), "in the message");
    assert_eq!(listed(&p, &w.me, q("statut"), newest).await, pick(&w.mine, &[2]), "in the title; own only");
    assert_eq!(listed(&p, &w.me, q("100%"), newest).await, pick(&w.mine, &[3]), "% is literal");
    assert_eq!(listed(&p, &w.me, q("%"), newest).await, pick(&w.mine, &[3]));
    assert_eq!(listed(&p, &w.me, q("50_p"), newest).await, pick(&w.mine, &[3]), "_ is literal");
    assert_eq!(listed(&p, &w.me, q("_"), newest).await, pick(&w.mine, &[3]));
    assert_eq!(listed(&p, &w.me, q("l'offre"), newest).await, pick(&w.mine, &[3]), "' is literal");
    assert!(listed(&p, &w.me, q("reussie bienvenue"), newest).await.is_empty(), "never across title and message");
    assert!(listed(&p, &w.me, q("x' OR '1'='1"), newest).await.is_empty());

    let kind = |k: &str| NotificationFilter { kind: Some(k.to_owned()), ..f() };
    assert_eq!(listed(&p, &w.me, kind("system"), newest).await, pick(&w.mine, &[t2, t1, 3]));
    assert!(listed(&p, &w.me, kind("SYSTEM"), newest).await.is_empty(), "the type is compared exactly");

    let from = NotificationFilter { created_from: Some(at(4)), ..f() };
    assert_eq!(listed(&p, &w.me, from, newest).await, pick(&w.mine, &[t2, t1, 5, 4]), "from is inclusive");
    let to = NotificationFilter { created_to: Some(at(1)), ..f() };
    assert_eq!(listed(&p, &w.me, to, newest).await, pick(&w.mine, &[1, 0]), "to is inclusive");
    let between = NotificationFilter { created_from: Some(at(1)), created_to: Some(at(3)), ..f() };
    assert_eq!(listed(&p, &w.me, between, newest).await, pick(&w.mine, &[3, 2, 1]));
    let inside = NotificationFilter {
        created_from: Some(at(1) + TimeDelta::seconds(1)),
        created_to: Some(at(2) - TimeDelta::seconds(1)),
        ..f()
    };
    assert!(listed(&p, &w.me, inside, newest).await.is_empty(), "instants, not days");

    let together = NotificationFilter {
        unread_only: true,
        q: Some("même".into()),
        kind: Some("system".into()),
        created_from: Some(at(6)),
        created_to: Some(at(6)),
    };
    assert_eq!(listed(&p, &w.me, together, newest).await, pick(&w.mine, &[t2, t1]));
    let together = NotificationFilter { unread_only: true, kind: Some("system".into()), ..f() };
    assert_eq!(listed(&p, &w.me, together, newest).await, pick(&w.mine, &[t2, t1]), "3 is read");

    assert_eq!(listed(&p, &w.other, f(), newest).await, [w.theirs.id], "the other account's, only");
    assert!(listed(&p, &user("inconnu@exemple.ga"), f(), newest).await.is_empty());
}

async fn sort_order_and_pages(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = inbox(&p).await;
    let f = NotificationFilter::default();
    let [t1, t2] = tied(&w.mine);
    let sort = |key, order| NotificationSort { key, order };

    let oldest = listed(&p, &w.me, f.clone(), sort(NotificationSortKey::CreatedAt, SortOrder::Asc)).await;
    assert_eq!(oldest, pick(&w.mine, &[0, 1, 2, 3, 4, 5, t1, t2]), "ties by id ascending");
    // Titles of one case and letters only: every collation orders them alike.
    let titles = listed(&p, &w.me, f.clone(), sort(NotificationSortKey::Title, SortOrder::Asc)).await;
    assert_eq!(titles, pick(&w.mine, &[t1, t2, 5, 1, 4, 0, 3, 2]));
    let titles = listed(&p, &w.me, f.clone(), sort(NotificationSortKey::Title, SortOrder::Desc)).await;
    assert_eq!(titles, pick(&w.mine, &[2, 3, 0, 4, 1, 5, t2, t1]));

    let newest = NotificationSort::default();
    let whole = listed(&p, &w.me, f.clone(), newest).await;
    let mut paged = Vec::new();
    for skip in (0..9).step_by(3) {
        let page = p.notifications.list(w.me.id, &f, Page { skip, limit: 3 }, newest).await.unwrap();
        assert_eq!(page.total, 8, "the true total on every page");
        paged.extend(ids(&page.items));
    }
    assert_eq!(paged, whole, "pages follow one another");
    for page in [Page { skip: 8, limit: 3 }, Page { skip: 1 << 40, limit: 1000 }] {
        let empty = p.notifications.list(w.me.id, &f, page, newest).await.unwrap();
        assert!(empty.items.is_empty());
        assert_eq!(empty.total, 8, "{page:?}: past the end still counts");
    }
    let unread = NotificationFilter { unread_only: true, ..f };
    let page = p.notifications.list(w.me.id, &unread, Page { skip: 0, limit: 2 }, newest).await.unwrap();
    assert_eq!((ids(&page.items), page.total), (pick(&w.mine, &[t2, t1]), 6), "total counts the filtered");
}

async fn get_counts_and_stats_are_the_accounts(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = inbox(&p).await;
    assert_eq!(p.notifications.get(w.me.id, w.mine[1].id).await.unwrap().as_ref(), Some(&w.mine[1]));
    assert_eq!(p.notifications.get(w.me.id, w.theirs.id).await.unwrap(), None, "another's is unknown");
    assert_eq!(p.notifications.get(w.other.id, w.mine[1].id).await.unwrap(), None);
    assert_eq!(p.notifications.get(w.me.id, SystemIds.new_id()).await.unwrap(), None);

    assert_eq!(p.notifications.unread_count(w.me.id).await.unwrap(), 6);
    assert_eq!(p.notifications.unread_count(w.other.id).await.unwrap(), 1);
    assert_eq!(p.notifications.unread_count(SystemIds.new_id()).await.unwrap(), 0);

    let stats = p.notifications.stats(w.me.id).await.unwrap();
    let by_kind = [
        ("application_status_changed", 1),
        ("application_submitted", 1),
        (NotificationStats::UNTYPED, 1),
        ("interview_scheduled", 1),
        ("registration", 1),
        ("system", 3),
    ];
    assert_eq!(
        stats,
        NotificationStats {
            total: 8,
            unread: 6,
            by_kind: by_kind.iter().map(|(k, n)| ((*k).to_owned(), *n)).collect(),
        }
    );
    assert_eq!(p.notifications.stats(SystemIds.new_id()).await.unwrap(), NotificationStats::default());
}

async fn marking_read_is_own_only_persisted_and_idempotent(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = inbox(&p).await;
    let before_theirs = p.notifications.list_for_user(w.other.id, ALL).await.unwrap();

    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.notifications().mark_read(w.me.id, w.theirs.id).await.unwrap(), None, "another's");
    assert_eq!(tx.notifications().mark_read(w.other.id, w.mine[2].id).await.unwrap(), None);
    assert_eq!(tx.notifications().mark_read(w.me.id, SystemIds.new_id()).await.unwrap(), None);
    let read = tx.notifications().mark_read(w.me.id, w.mine[2].id).await.unwrap();
    assert_eq!(read, Some(Notification { read: true, ..w.mine[2].clone() }), "only `read` changes");
    tx.commit().await.unwrap();

    assert_eq!(p.notifications.get(w.me.id, w.mine[2].id).await.unwrap(), read, "persisted");
    assert_eq!(p.notifications.list_for_user(w.other.id, ALL).await.unwrap(), before_theirs, "untouched");
    assert!(!p.notifications.get(w.me.id, w.mine[1].id).await.unwrap().unwrap().read, "the others stay unread");

    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.notifications().mark_read(w.me.id, w.mine[2].id).await.unwrap(), read, "again: the same");
    assert_eq!(tx.notifications().mark_read(w.me.id, w.mine[0].id).await.unwrap().map(|n| n.read), Some(true));
    tx.commit().await.unwrap();
    assert_eq!(p.notifications.unread_count(w.me.id).await.unwrap(), 5);

    // Rolled back: nothing changes.
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.notifications().mark_read(w.me.id, w.mine[1].id).await.unwrap().is_some());
    drop(tx);
    assert!(!p.notifications.get(w.me.id, w.mine[1].id).await.unwrap().unwrap().read);

    // Inserted then read in one transaction.
    let fresh = note(&w.me, "Nouvelle", "Lue aussitôt", "system", 9);
    let mut tx = p.uow.begin().await.unwrap();
    tx.notifications().insert(&fresh).await.unwrap();
    assert_eq!(tx.notifications().mark_read(w.me.id, fresh.id).await.unwrap().map(|n| n.read), Some(true));
    tx.commit().await.unwrap();
    assert!(p.notifications.get(w.me.id, fresh.id).await.unwrap().unwrap().read);
}

async fn marking_all_read_counts_and_touches_only_the_account(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = inbox(&p).await;
    let before_theirs = p.notifications.list_for_user(w.other.id, ALL).await.unwrap();

    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.notifications().mark_all_read(w.me.id).await.unwrap(), 6, "the unread ones");
    tx.commit().await.unwrap();
    let after = p.notifications.list_for_user(w.me.id, ALL).await.unwrap();
    assert!(after.items.iter().all(|n| n.read), "persisted");
    let mut expected: Vec<Notification> = w.mine.iter().map(|n| Notification { read: true, ..n.clone() }).collect();
    expected.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    assert_eq!(after.items, expected, "only `read` changes");
    assert_eq!(p.notifications.list_for_user(w.other.id, ALL).await.unwrap(), before_theirs, "untouched");
    assert_eq!(p.notifications.unread_count(w.other.id).await.unwrap(), 1);

    let mut tx = p.uow.begin().await.unwrap();
    assert_eq!(tx.notifications().mark_all_read(w.me.id).await.unwrap(), 0, "nothing left");
    assert_eq!(tx.notifications().mark_all_read(SystemIds.new_id()).await.unwrap(), 0);
    tx.commit().await.unwrap();
}

async fn a_notification_goes_with_its_application(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let w = inbox(&p).await;

    let mut stray = note(&w.me, "Orpheline", "À propos d'une candidature inconnue", "system", 20);
    stray.related_application_id = Some(SystemIds.new_id());
    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.notifications().insert(&stray).await.is_err(), "an unknown application is refused");
    drop(tx);
    assert_eq!(p.notifications.get(w.me.id, stray.id).await.unwrap(), None);

    let mut tx = p.uow.begin().await.unwrap();
    assert!(tx.applications().delete(w.application.id, None).await.unwrap());
    tx.commit().await.unwrap();
    let left = p.notifications.list_for_user(w.me.id, ALL).await.unwrap();
    assert_eq!(left.total, 6, "the two about the application went with it");
    assert!(left.items.iter().all(|n| n.related_application_id.is_none()));
    assert_eq!(p.notifications.list_for_user(w.other.id, ALL).await.unwrap().total, 1);
}

on_backends!(Memory, Sqlite, Postgres =>
    each_filter_alone_and_together,
    sort_order_and_pages,
    get_counts_and_stats_are_the_accounts,
    marking_read_is_own_only_persisted_and_idempotent,
    marking_all_read_counts_and_touches_only_the_account,
    a_notification_goes_with_its_application,
);
