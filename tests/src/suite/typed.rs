//! The typed API: payloads live equal replayed, the by-name path writes the
//! same rows, live rules stay out of replay.

use chrono::{NaiveDate, TimeZone, Utc};
use spector::{attrs, Attrs, Error, Event, RecordAction};
use uuid::Uuid;

use crate::db::{RowTime, TestDb};
use crate::records::{
    Account, AccountAction, AccountsV1, Address, Amount, Note, Profile, ProfileAction,
    ProfileChange, Rename, Role, StrictAccount, StrictAccountAction, TestEvents, WITHDRAWAL_LIMIT,
};

/// A change with every awkward shape filled in, or left empty.
fn change(n: u32, full: bool) -> ProfileChange {
    ProfileChange {
        name: format!("name {n} ✓ \"quoted\""),
        nickname: full.then(|| format!("nick {n}")),
        role: if full {
            Role::Member {
                since: NaiveDate::from_ymd_opt(2020, 2, 29).unwrap(),
                level: n.is_multiple_of(2).then_some(7),
            }
        } else {
            Role::Guest
        },
        address: full.then(|| Address {
            street: "Rue de l'Église 1".into(),
            zip: None,
        }),
        seen_at: Utc
            .timestamp_opt(1_700_000_000 + i64::from(n), 123_456_789)
            .unwrap(),
        friend: full.then(Uuid::now_v7),
        score: f64::from(n) + 0.1,
        visits: u64::MAX - u64::from(n),
        tags: (0..n).map(|i| format!("tag{i}")).collect(),
    }
}

/// A full profile change, for tests that need any typed payload.
pub fn profile_change(n: u32) -> ProfileChange {
    change(n, true)
}

/// Typed payloads with `Option`, enums, nested structs, `chrono` and `uuid`
/// values come back from replay exactly as the write returned them.
pub async fn typed_payloads_replay_to_the_live_state<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let mut profile: Profile = store.insert(change(0, false)).await.unwrap();
    assert_eq!(store.get(profile.id).await.unwrap(), Some(profile.clone()));
    for n in 1..4 {
        profile = store
            .update(profile.id, change(n, n % 2 == 1))
            .await
            .unwrap();
        assert_eq!(store.get(profile.id).await.unwrap(), Some(profile.clone()));
    }
    let rename = ProfileAction::Rename(Rename {
        name: "Zoë".into()
    });
    profile = store.execute(profile.id, rename).await.unwrap();
    assert_eq!(store.get(profile.id).await.unwrap(), Some(profile.clone()));
    assert_eq!(
        profile.changes,
        (0..4).map(|n| change_like(&profile, n)).collect::<Vec<_>>()
    );
    assert_eq!(profile.names, ["Zoë"]);

    let events = store.all_events(profile.id).await.unwrap();
    assert_eq!(events[4].action_code, 40, "the explicit code is stored");
    for event in &events {
        assert_eq!(
            event.payload.get::<u32>(spector::reserved::VERSION),
            Ok(Some(3)),
            "every event stores the type's version"
        );
        assert_eq!(event.meta().version, 3);
    }
    let decoded: Vec<String> = events
        .iter()
        .map(|e| e.action::<Profile>().unwrap().name().to_owned())
        .collect();
    assert_eq!(decoded, ["insert", "update", "update", "update", "rename"]);
}

/// `change(n, ..)` with the uuid the store kept (it was random).
fn change_like(profile: &Profile, n: u32) -> ProfileChange {
    let mut expected = change(n, n % 2 == 1);
    expected.friend = profile.changes[n as usize].friend;
    expected
}

/// The event rows of `events` without what differs between two records:
/// ids, times and the reserved keys.
fn comparable(events: &[Event]) -> Vec<(i32, i32, Attrs)> {
    events
        .iter()
        .map(|event| {
            let mut payload = event.payload.clone();
            for key in spector::reserved::ALL {
                payload.remove(key);
            }
            (event.schema_index, event.action_code, payload)
        })
        .collect()
}

/// The typed path and the by-name path (JSON in, as from a form post) write
/// identical rows.
pub async fn typed_and_by_name_paths_write_identical_rows<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let typed: Profile = store.insert(change(2, true)).await.unwrap();
    let friend = typed.changes[0].friend;
    let mut json_change = serde_json::to_value(change(2, true)).unwrap();
    json_change["friend"] = serde_json::json!(friend);
    let json_change = Attrs::from_value(json_change).unwrap();
    let named: Profile = store
        .insert_by_name("insert", json_change.clone())
        .await
        .unwrap();
    store
        .execute(typed.id, ProfileAction::Rename(Rename { name: "x".into() }))
        .await
        .unwrap();
    store
        .execute_by_name(named.id, "rename", attrs! { "name": "x" })
        .await
        .unwrap();
    store.update(typed.id, change(3, false)).await.unwrap();
    let mut update = serde_json::to_value(change(3, false)).unwrap();
    update["unknown_key"] = serde_json::json!("dropped");
    store
        .execute_by_name(named.id, "update", Attrs::from_value(update).unwrap())
        .await
        .unwrap();

    let typed_events = store.all_events(typed.id).await.unwrap();
    let named_events = store.all_events(named.id).await.unwrap();
    assert_eq!(typed_events.len(), 3);
    assert_eq!(comparable(&typed_events), comparable(&named_events));
    assert_eq!(
        store.get(typed.id).await.unwrap().map(|p| p.changes),
        store.get(named.id).await.unwrap().map(|p| p.changes)
    );
}

/// A rule added later (a withdrawal limit) refuses new operations that break
/// it, and leaves records written before it readable and writable.
pub async fn tightened_live_rule_leaves_old_records_readable<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<AccountsV1>().await.unwrap();
    let account: Account = store.insert(Amount { cents: 10_000 }).await.unwrap();
    let account = store
        .execute(account.id, AccountAction::Withdraw(Amount { cents: 7_550 }))
        .await
        .unwrap();
    assert_eq!(account.balance, 2_450);

    // The next release reads the same table with a stricter rule.
    let strict = spector::Id::<StrictAccount>::new(account.id.uuid());
    let read = store
        .get(strict)
        .await
        .unwrap()
        .expect("old account readable");
    assert_eq!(read.balance, 2_450);
    store
        .update(strict, Amount { cents: 10_000 })
        .await
        .unwrap();
    let error = store
        .execute(
            strict,
            StrictAccountAction::Withdraw(Amount {
                cents: WITHDRAWAL_LIMIT + 1,
            }),
        )
        .await
        .unwrap_err();
    assert_eq!(
        error
            .as_invalid()
            .expect("refused by the live rule")
            .messages("cents"),
        ["above the withdrawal limit"]
    );
    let after = store
        .execute(strict, StrictAccountAction::Withdraw(Amount { cents: 100 }))
        .await
        .unwrap();
    assert_eq!(after.balance, 12_350);
    assert_eq!(store.get(strict).await.unwrap(), Some(after));
    assert_eq!(db.count_rows("account_events").await, 4);
}

/// A stored event the transition refuses on replay is `Error::Replay` naming
/// it, not a decode error; one whose payload lacks a field is `Decode`.
pub async fn stored_event_the_transition_refuses_is_a_replay_error<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TestEvents>().await.unwrap();
    let profile: Profile = store.insert(change(1, false)).await.unwrap();
    let bad = Uuid::now_v7();
    let rename = <ProfileAction as RecordAction>::code_of("rename").unwrap();
    db.insert_event_row(
        "test_events",
        bad,
        profile.id.uuid(),
        2,
        rename,
        r#"{"nom": "x"}"#,
        RowTime::Now,
    )
    .await
    .unwrap();
    let error = store.get(profile.id).await.unwrap_err();
    assert!(
        matches!(&error, Error::Decode { record_type: "Profile", event_id, .. } if *event_id == bad),
        "{error}"
    );
    assert!(
        error.to_string().contains("name: can't be blank"),
        "{error}"
    );

    // Note's transition refuses a `panic` that is not a boolean.
    let note = Uuid::now_v7();
    db.insert_event_row(
        "test_events",
        note,
        note,
        1,
        1,
        r#"{"panic": "yes"}"#,
        RowTime::Now,
    )
    .await
    .unwrap();
    let error = store.get(spector::Id::<Note>::new(note)).await.unwrap_err();
    assert!(
        matches!(&error, Error::Replay { record_type: "Note", event_id, source }
            if *event_id == note && source.messages("panic").len() == 1),
        "{error}"
    );
}
