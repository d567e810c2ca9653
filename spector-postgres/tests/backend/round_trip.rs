//! Writes and reads: what a write returns is what a read replays, links
//! and timestamps included.

use spector_core::{action, attrs, reserved, Attrs, Error, RecordAction, Uuid};

use crate::support::TestDb;
use crate::tally::{Tally, TallyAction, TallyEvents};

async fn migrated() -> TestDb {
    let db = TestDb::create().await;
    db.store.migrate::<TallyEvents>().await.unwrap();
    db
}

#[tokio::test]
async fn insert_update_get_and_all_events_round_trip_with_links() {
    let db = migrated().await;
    let store = &db.store;
    let tally: Tally = store.insert(attrs! { "label": "first" }).await.unwrap();
    assert_eq!(
        store.get::<Tally>(tally.id).await.unwrap(),
        Some(tally.clone())
    );

    let updated = store
        .update(&tally, attrs! { "label": "second", "follows": tally.id })
        .await
        .unwrap();
    let counted = store
        .execute(&updated, TallyAction::Increment, Attrs::new())
        .await
        .unwrap();
    assert_eq!(counted.count, 1);
    assert_eq!(
        store.get::<Tally>(tally.id).await.unwrap(),
        Some(counted.clone())
    );

    let events = store.all_events::<Tally>(tally.id).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|event| event.parent_id == tally.id));
    assert!(events[0].is_first());
    assert_eq!(
        events.iter().map(|e| e.action).collect::<Vec<_>>(),
        [
            action::INSERT,
            action::UPDATE,
            TallyAction::Increment.code()
        ]
    );
    assert!(events
        .windows(2)
        .all(|pair| pair[0].inserted_at < pair[1].inserted_at));
    assert!(events[0].links.is_empty());
    assert_eq!(events[1].linked("follows").collect::<Vec<_>>(), [tally.id]);
    assert_eq!(events[2].payload, counted.body);
    assert_eq!(
        events[1]
            .payload
            .fetch::<String>(reserved::EVENT_ID)
            .unwrap(),
        events[1].id.to_string()
    );
    assert_eq!(
        events[2].payload.updated_at().unwrap(),
        Some(events[2].inserted_at)
    );

    assert_eq!(
        store.event::<Tally>(events[1].id).await.unwrap(),
        Some(events[1].clone())
    );
    assert_eq!(store.event::<Tally>(Uuid::now_v7()).await.unwrap(), None);
    assert_eq!(
        store
            .linking_to::<Tally>("follows", tally.id)
            .await
            .unwrap(),
        events[1..2]
    );
    assert_eq!(
        store.previous_events::<Tally>(&events[1]).await.unwrap(),
        events[..2]
    );
}

#[tokio::test]
async fn replay_equals_live_state_for_awkward_payloads() {
    let db = migrated().await;
    let payloads = [
        attrs! { "pi": std::f64::consts::PI, "tenth": 0.1, "tiny": 1e-7, "huge": 1e300 },
        attrs! { "integral_float": 5.0, "big_float": 1e19, "negative_zero": -0.0 },
        attrs! { "max": u64::MAX, "min": i64::MIN, "third": 1.0 / 3.0 },
        attrs! { "text": "héllo \"quoted\" \\ \n tab\t emoji 🎉", "empty": "" },
        attrs! { "nested": { "list": [1, "two", null, { "deep": [true, false] }] } },
        attrs! { "null": null, "unicode_key_é": "value" },
    ];
    for payload in payloads {
        let live: Tally = db.store.insert(payload.clone()).await.unwrap();
        let replayed = db.store.get::<Tally>(live.id).await.unwrap();
        assert_eq!(replayed, Some(live), "{payload:?}");
    }
}

#[tokio::test]
async fn delete_hides_the_record_and_refuses_further_changes() {
    let db = migrated().await;
    let tally: Tally = db.store.insert(Attrs::new()).await.unwrap();
    db.store.delete(&tally).await.unwrap();
    assert_eq!(db.store.get::<Tally>(tally.id).await.unwrap(), None);
    let error = db.store.update(&tally, Attrs::new()).await.unwrap_err();
    assert!(
        matches!(error, Error::Deleted { schema: "Tally", id } if id == tally.id),
        "{error}"
    );
    assert_eq!(db.count_rows("tally_events").await, 2);
}

#[tokio::test]
async fn execute_on_unknown_record_is_not_found_and_writes_nothing() {
    let db = migrated().await;
    let ghost = Tally::default();
    let error = db
        .store
        .execute(&ghost, TallyAction::Increment, Attrs::new())
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::NotFound {
                schema: "Tally",
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(db.count_rows("tally_events").await, 0);
}

#[tokio::test]
async fn stored_payload_that_is_not_an_object_fails_naming_the_event() {
    let db = migrated().await;
    let id = Uuid::now_v7();
    db.sql(format!(
        "INSERT INTO tally_events (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ('{id}', '{id}', '[1, 2]', 0, 0, now())"
    ))
    .await
    .unwrap();
    let error = db.store.get::<Tally>(id).await.unwrap_err();
    assert!(
        matches!(error, Error::Decode { event_id, .. } if event_id == id),
        "{error}"
    );
}

#[tokio::test]
async fn reading_before_migrating_is_a_storage_error() {
    let db = TestDb::create().await;
    let error = db.store.get::<Tally>(Uuid::now_v7()).await.unwrap_err();
    assert!(matches!(error, Error::Storage(_)), "{error}");
    assert!(error.to_string().contains("tally_events"), "{error}");
}
