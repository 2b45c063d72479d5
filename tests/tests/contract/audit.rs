//! `AuditRepository::list` with its filter: each criterion alone, all of them ANDed, exact matches, the time
//! window (`from` inclusive, `to` exclusive), order, the true total and pages of a filtered list.

use chrono::{DateTime, TimeDelta, Utc};
use seeg_application::identity::{AuditEvent, AuditFilter};
use seeg_application::{IdGenerator, Page, SystemIds};
use seeg_tests::offers::base_time;
use seeg_tests::{Backend, Ports, on_backends, ports};
use uuid::Uuid;

const ALL: Page = Page { skip: 0, limit: 1000 };

fn at(minutes: i64) -> DateTime<Utc> {
    base_time() + TimeDelta::minutes(minutes)
}

fn event(action: &str, minutes: i64, actor: Option<Uuid>, target: Option<(&str, &str)>) -> AuditEvent {
    AuditEvent {
        id: SystemIds.new_id(),
        actor_id: actor,
        action: action.to_owned(),
        target_type: target.map(|(t, _)| t.to_owned()),
        target_id: target.map(|(_, id)| id.to_owned()),
        request_id: Some(format!("req-{minutes}")),
        changed_fields: Vec::new(),
        occurred_at: at(minutes),
    }
}

async fn append(p: &Ports, events: &[AuditEvent]) {
    let mut tx = p.uow.begin().await.unwrap();
    for e in events {
        tx.audit().append(e).await.unwrap();
    }
    tx.commit().await.unwrap();
}

fn newest_first(events: impl IntoIterator<Item = AuditEvent>) -> Vec<AuditEvent> {
    let mut events: Vec<AuditEvent> = events.into_iter().collect();
    events.sort_by(|a, b| b.occurred_at.cmp(&a.occurred_at).then(b.id.cmp(&a.id)));
    events
}

/// What the filter should keep, computed independently of any adapter.
fn expected(events: &[AuditEvent], keep: impl Fn(&AuditEvent) -> bool) -> Vec<AuditEvent> {
    newest_first(events.iter().filter(|e| keep(e)).cloned())
}

async fn assert_lists(p: &Ports, filter: &AuditFilter, want: &[AuditEvent]) {
    let listed = p.audit.list(filter, ALL).await.unwrap();
    assert_eq!(listed.items, want, "{filter:?}");
    assert_eq!(listed.total, want.len() as u64, "{filter:?}: the true total of the matches");
}

/// Two actors, anonymous failures, user and offer targets.
fn sample(alice: Uuid, bob: Uuid, target: Uuid) -> Vec<AuditEvent> {
    let target = target.to_string();
    vec![
        event("auth.login.succeeded", 0, Some(alice), Some(("user", &alice.to_string()))),
        event("auth.login.failed", 1, None, None),
        event("user.updated", 2, Some(alice), Some(("user", &target))),
        event("user.updated", 3, Some(bob), Some(("user", &target))),
        event("offer.updated", 4, Some(bob), Some(("offer", &target))),
        event("auth.login.failed", 5, None, None),
        event("auth.login.succeeded", 6, Some(bob), Some(("user", &bob.to_string()))),
    ]
}

async fn each_criterion_keeps_only_exact_matches(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (alice, bob, target) = (SystemIds.new_id(), SystemIds.new_id(), SystemIds.new_id());
    let events = sample(alice, bob, target);
    append(&p, &events).await;
    let target = target.to_string();

    assert_lists(&p, &AuditFilter::default(), &expected(&events, |_| true)).await;
    let by_actor = AuditFilter { actor_id: Some(alice), ..AuditFilter::default() };
    assert_lists(&p, &by_actor, &expected(&events, |e| e.actor_id == Some(alice))).await;
    let by_action = AuditFilter { action: Some("auth.login.failed".into()), ..AuditFilter::default() };
    assert_lists(&p, &by_action, &expected(&events, |e| e.action == "auth.login.failed")).await;
    let by_type = AuditFilter { target_type: Some("offer".into()), ..AuditFilter::default() };
    assert_lists(&p, &by_type, &expected(&events, |e| e.target_type.as_deref() == Some("offer"))).await;
    let by_id = AuditFilter { target_id: Some(target.clone()), ..AuditFilter::default() };
    assert_lists(&p, &by_id, &expected(&events, |e| e.target_id.as_deref() == Some(target.as_str()))).await;

    let all_of_them = AuditFilter {
        actor_id: Some(bob),
        action: Some("user.updated".into()),
        target_type: Some("user".into()),
        target_id: Some(target.clone()),
        from: Some(at(0)),
        to: Some(at(10)),
    };
    assert_lists(&p, &all_of_them, &expected(&events, |e| e.actor_id == Some(bob) && e.action == "user.updated")).await;
    assert_eq!(p.audit.list(&all_of_them, ALL).await.unwrap().items.len(), 1);

    for exact in [
        AuditFilter { action: Some("auth.login".into()), ..AuditFilter::default() },
        AuditFilter { action: Some("AUTH.LOGIN.FAILED".into()), ..AuditFilter::default() },
        AuditFilter { action: Some("auth.login.%".into()), ..AuditFilter::default() },
        AuditFilter { target_type: Some("User".into()), ..AuditFilter::default() },
        AuditFilter { target_id: Some(target[..8].to_owned()), ..AuditFilter::default() },
        AuditFilter { actor_id: Some(SystemIds.new_id()), ..AuditFilter::default() },
        AuditFilter { actor_id: Some(alice), action: Some("offer.updated".into()), ..AuditFilter::default() },
    ] {
        assert_lists(&p, &exact, &[]).await;
    }
}

async fn from_is_inclusive_and_to_exclusive(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let (alice, bob, target) = (SystemIds.new_id(), SystemIds.new_id(), SystemIds.new_id());
    let mut events = sample(alice, bob, target);
    // One microsecond either side of a bound must land on the right side of it.
    let mut just_before = event("user.updated", 2, Some(alice), None);
    just_before.occurred_at = at(2) - TimeDelta::microseconds(1);
    let mut just_after = event("user.updated", 2, Some(alice), None);
    just_after.occurred_at = at(2) + TimeDelta::microseconds(1);
    events.extend([just_before, just_after]);
    append(&p, &events).await;

    let window = AuditFilter { from: Some(at(2)), to: Some(at(5)), ..AuditFilter::default() };
    assert_lists(&p, &window, &expected(&events, |e| e.occurred_at >= at(2) && e.occurred_at < at(5))).await;
    assert_eq!(p.audit.list(&window, ALL).await.unwrap().total, 4, "2, 2 + 1µs, 3 and 4; not 5");
    let from_only = AuditFilter { from: Some(at(5)), ..AuditFilter::default() };
    assert_lists(&p, &from_only, &expected(&events, |e| e.occurred_at >= at(5))).await;
    let to_only = AuditFilter { to: Some(at(2)), ..AuditFilter::default() };
    assert_lists(&p, &to_only, &expected(&events, |e| e.occurred_at < at(2))).await;
    let empty = AuditFilter { from: Some(at(3)), to: Some(at(3)), ..AuditFilter::default() };
    assert_lists(&p, &empty, &[]).await;
    let reversed = AuditFilter { from: Some(at(5)), to: Some(at(2)), ..AuditFilter::default() };
    assert_lists(&p, &reversed, &[]).await;
    let with_action =
        AuditFilter { action: Some("auth.login.failed".into()), from: Some(at(2)), ..AuditFilter::default() };
    assert_lists(&p, &with_action, &expected(&events, |e| e.action == "auth.login.failed" && e.occurred_at >= at(2)))
        .await;
}

async fn a_filtered_list_pages_newest_first_with_its_true_total(backend: Backend) {
    let (p, _db) = ports(backend).await;
    let actor = SystemIds.new_id();
    // Ties on `occurred_at` are broken by id, descending.
    let mine: Vec<AuditEvent> =
        (0..7).map(|i| event("user.updated", i / 2, Some(actor), Some(("user", "cible")))).collect();
    let others: Vec<AuditEvent> = (0..4).map(|i| event("user.updated", i, None, Some(("user", "cible")))).collect();
    append(&p, &mine).await;
    append(&p, &others).await;
    let mine = newest_first(mine);
    let filter = AuditFilter { actor_id: Some(actor), ..AuditFilter::default() };

    let mut paged = Vec::new();
    for skip in (0..7).step_by(3) {
        let page = p.audit.list(&filter, Page { skip, limit: 3 }).await.unwrap();
        assert_eq!(page.total, 7, "skip {skip}");
        paged.extend(page.items);
    }
    assert_eq!(paged, mine);
    for page in [Page { skip: 7, limit: 3 }, Page { skip: 50, limit: 3 }, Page { skip: 0, limit: 0 }] {
        let empty = p.audit.list(&filter, page).await.unwrap();
        assert!(empty.items.is_empty(), "{page:?}");
        assert_eq!(empty.total, 7, "{page:?}: an empty page still reports the true total");
    }
    let nothing = AuditFilter { action: Some("inconnue".into()), ..AuditFilter::default() };
    let none = p.audit.list(&nothing, Page { skip: 5, limit: 3 }).await.unwrap();
    assert_eq!((none.items.len(), none.total), (0, 0));
}

on_backends!(Memory, Sqlite, Postgres =>
    each_criterion_keeps_only_exact_matches,
    from_is_inclusive_and_to_exclusive,
    a_filtered_list_pages_newest_first_with_its_true_total,
);
