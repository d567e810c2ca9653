//! Hash chains: an untouched hashed log verifies; each kind of tampering
//! is caught at the event it touched; a kept head catches a truncated or
//! rewritten tail; concurrent writers keep one chain.

use std::sync::Arc;

use spector::backend::Storage;
use spector::{attrs, ChainBreak, ChainCheck, Error, Event, EventHash, Id, Store, Uuid};

use crate::db::{RawEvent, Tamper, TestDb};
use crate::tally::{
    Amend, ChainEvents, Entry, EntryAction, HashedMemo, HashedMemos, Memo, PlainMemos,
    SavepointEvents,
};

/// The event table and the link table of [`ChainEvents`].
const TABLE: &str = "chain_events";
const LINKS: &str = "chain_amends";

/// Writes two entries — inserts (one payload with keys out of order and
/// floats), an update, an amendment linking to the first event and citing
/// two (links in two tables), a savepoint, and a last update — and returns
/// every event of the log in chain order.
async fn write_chain<B: Storage>(store: &Store<B>) -> Vec<Event> {
    store.migrate::<ChainEvents>().await.unwrap();
    let a: Entry = store
        .insert(attrs! { "zeta": 1, "a": 2.0, "mid": { "y": [1.5, "é"], "b": null } })
        .await
        .unwrap();
    let b: Entry = store.insert(attrs! { "x": "second" }).await.unwrap();
    store.update(a.id, attrs! { "n": 1 }).await.unwrap();
    let update_id = store.all_events(a.id).await.unwrap()[1].id;
    let amend = Amend {
        amends: a.id.uuid(),
        cites: vec![update_id, a.id.uuid()],
        body: attrs! { "n": 2 },
    };
    store
        .execute(a.id, EntryAction::Amend(amend))
        .await
        .unwrap();
    store.savepoint(b.id).await.unwrap();
    store.update(b.id, attrs! { "last": true }).await.unwrap();
    let mut events = store.all_events(a.id).await.unwrap();
    events.extend(store.all_events(b.id).await.unwrap());
    events.sort_by_key(|e| (e.inserted_at, e.id));
    events
}

/// The head of an intact chain, or a panic naming the break.
fn intact(check: ChainCheck) -> spector::ChainHead {
    match check {
        ChainCheck::Intact(head) => head,
        ChainCheck::Broken(broken) => panic!("the chain is broken: {broken}"),
    }
}

/// The break a chain must have.
fn broken(check: ChainCheck) -> ChainBreak {
    match check {
        ChainCheck::Broken(broken) => broken,
        ChainCheck::Intact(head) => panic!("the chain holds: {head:?}"),
    }
}

/// Every event of an untouched hashed log — inserts, updates, a linked
/// amendment, a savepoint — carries the hash of its row, its links and the
/// previous event's hash; the log verifies, counting every event, and the
/// head is the newest event's hash. An unhashed log has no chain.
pub async fn an_untouched_hashed_log_verifies_every_event<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let events = write_chain(store).await;
    assert_eq!(events.len(), 6);
    let mut cited = [events[0].id, events[2].id];
    cited.sort();
    let links: Vec<(&str, Uuid)> = events[3]
        .links
        .iter()
        .map(|link| (link.name, link.target))
        .collect();
    assert_eq!(
        links,
        [
            ("amends", events[0].id),
            ("cites", cited[0]),
            ("cites", cited[1])
        ],
        "the amendment's links, from both link tables, read back in order"
    );
    assert_eq!(events[4].action_code, spector::action::SAVEPOINT);
    let mut previous: Option<Vec<u8>> = None;
    for event in &events {
        let expected = EventHash::of(previous.as_deref(), event);
        assert_eq!(event.hash.as_deref(), Some(expected.as_bytes().as_slice()));
        previous = event.hash.clone();
    }
    let head = intact(store.verify_hash_chain::<ChainEvents>().await.unwrap());
    assert_eq!(head.events, 6);
    assert_eq!(
        head.hash.map(|hash| hash.as_bytes().to_vec()),
        events[5].hash
    );
    assert!(store
        .verify_hash_chain_from::<ChainEvents>(&head)
        .await
        .unwrap()
        .is_intact());

    store.migrate::<SavepointEvents>().await.unwrap();
    let error = store
        .verify_hash_chain::<SavepointEvents>()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::NotHashed { table } if table == "savepoint_events"),
        "{error:?}"
    );
}

/// A forged event placed right after `after`, with the hash it would have
/// had there: it verifies itself, so the chain breaks at the event after it.
fn forged(after: &Event) -> (RawEvent, Vec<u8>) {
    let row = RawEvent {
        id: Uuid::now_v7(),
        parent_id: after.parent_id,
        schema: 0,
        action: spector::action::UPDATE,
        payload: r#"{"forged": true}"#.to_owned(),
        micros: after.inserted_at.timestamp_micros(),
    };
    let event = Event {
        id: row.id,
        parent_id: row.parent_id,
        schema_index: row.schema,
        action_code: row.action,
        payload: attrs! { "forged": true },
        inserted_at: after.inserted_at,
        links: Vec::new(),
        hash: None,
    };
    let hash = EventHash::of(after.hash.as_deref(), &event);
    (row, hash.as_bytes().to_vec())
}

/// Each kind of tampering, on a fresh log, is a `BadHash` at the first
/// event whose row, links or predecessor changed, with its position.
pub async fn tampering_is_caught_at_the_right_event<D: TestDb>() {
    /// A name, the tampering, and the event (id, position) that breaks.
    type Case = (
        &'static str,
        fn(&[Event]) -> Vec<Tamper>,
        fn(&[Event]) -> (Uuid, u64),
    );
    let cases: [Case; 8] = [
        (
            "payload edited in place",
            |e| vec![Tamper::SetPayload(e[2].id, r#"{"n": 100}"#.to_owned())],
            |e| (e[2].id, 2),
        ),
        (
            "event deleted from the middle",
            |e| vec![Tamper::Delete(e[2].id)],
            |e| (e[3].id, 2),
        ),
        (
            "two events' times swapped",
            |e| vec![Tamper::SwapTimes(e[2].id, e[3].id)],
            |e| (e[3].id, 2),
        ),
        (
            "a forged event with a hash of its own",
            |e| {
                let (row, hash) = forged(&e[2]);
                vec![Tamper::Insert(row, hash)]
            },
            |e| (e[3].id, 4),
        ),
        (
            "a hash edited",
            |e| vec![Tamper::SetHash(e[2].id, vec![0; 32])],
            |e| (e[2].id, 2),
        ),
        (
            "a link removed",
            |e| {
                vec![Tamper::DeleteLinks {
                    table: LINKS.to_owned(),
                    event_id: e[3].id,
                }]
            },
            |e| (e[3].id, 3),
        ),
        (
            "an event moved to another record",
            |e| vec![Tamper::SetParent(e[5].id, e[0].id)],
            |e| (e[5].id, 5),
        ),
        (
            "the first event's payload edited",
            |e| vec![Tamper::SetPayload(e[0].id, r#"{"zeta": 2}"#.to_owned())],
            |e| (e[0].id, 0),
        ),
    ];
    for (name, tamper, expected_break) in cases {
        let db = D::create().await;
        let store = db.store();
        let events = write_chain(store).await;
        for change in tamper(&events) {
            db.tamper(TABLE, change).await.unwrap();
        }
        let (event_id, position) = expected_break(&events);
        match broken(store.verify_hash_chain::<ChainEvents>().await.unwrap()) {
            ChainBreak::BadHash {
                event_id: found,
                position: at,
                expected,
                stored,
            } => {
                assert_eq!((found, at), (event_id, position), "{name}");
                assert_ne!(stored.as_deref(), Some(expected.as_bytes().as_slice()));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

/// A link added afterwards breaks the chain at the linking event.
pub async fn a_link_added_afterwards_is_caught<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let events = write_chain(store).await;
    db.insert_link_row(LINKS, "amended_id", events[2].id, events[0].id)
        .await
        .unwrap();
    let broken = broken(store.verify_hash_chain::<ChainEvents>().await.unwrap());
    assert!(
        matches!(broken, ChainBreak::BadHash { event_id, position: 2, .. } if event_id == events[2].id),
        "{broken:?}"
    );
}

/// A head kept from a verification catches the removal of the newest
/// event, and then a tail rewritten with recomputed hashes, which verify on
/// their own.
pub async fn a_kept_head_catches_a_truncated_or_rewritten_tail<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    let events = write_chain(store).await;
    let head = intact(store.verify_hash_chain::<ChainEvents>().await.unwrap());

    db.tamper(TABLE, Tamper::Delete(events[5].id))
        .await
        .unwrap();
    assert!(store
        .verify_hash_chain::<ChainEvents>()
        .await
        .unwrap()
        .is_intact());
    assert_eq!(
        broken(
            store
                .verify_hash_chain_from::<ChainEvents>(&head)
                .await
                .unwrap()
        ),
        ChainBreak::Truncated {
            kept: head,
            events: 5
        }
    );

    let b = Id::<Entry>::new(events[1].id);
    store.update(b, attrs! { "rewritten": 1 }).await.unwrap();
    store.update(b, attrs! { "rewritten": 2 }).await.unwrap();
    assert!(store
        .verify_hash_chain::<ChainEvents>()
        .await
        .unwrap()
        .is_intact());
    let rewritten = store.all_events(b).await.unwrap();
    match broken(
        store
            .verify_hash_chain_from::<ChainEvents>(&head)
            .await
            .unwrap(),
    ) {
        ChainBreak::Rewritten {
            position,
            kept,
            found,
        } => {
            assert_eq!(position, 5);
            assert_eq!(kept, head.hash);
            assert_eq!(found, rewritten[rewritten.len() - 2].hash);
        }
        other => panic!("{other:?}"),
    }
}

/// 16 tasks writing their own records of one hashed table at once: the
/// appends queue on the table, so the chain verifies and counts them all.
pub async fn concurrent_writers_keep_one_chain<D: TestDb>() {
    const TASKS: usize = 16;
    const WRITES: usize = 6;
    let db = Arc::new(D::create().await);
    db.store().migrate::<ChainEvents>().await.unwrap();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let db = Arc::clone(&db);
            tokio::spawn(async move {
                let store = db.store();
                let entry: Entry = store.insert(attrs! { "task": task }).await.unwrap();
                for write in 1..WRITES {
                    store
                        .update(entry.id, attrs! { "write": write })
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a writer finished");
    }
    let head = intact(db.store().verify_hash_chain::<ChainEvents>().await.unwrap());
    assert_eq!(head.events, (TASKS * WRITES) as u64);
}

/// A log declared hashed after its table was written: `migrate` adds the
/// `hash` column (once: migrating again changes nothing), new events chain
/// on, and verification names the first event written without a hash.
pub async fn a_log_made_hashed_later_gets_its_column_and_chains_on<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<PlainMemos>().await.unwrap();
    let memo: Memo = store.insert(attrs! {}).await.unwrap();
    store.migrate::<HashedMemos>().await.unwrap();
    store.migrate::<HashedMemos>().await.unwrap();
    let id = Id::<HashedMemo>::new(memo.id.uuid());
    assert_eq!(store.update(id, attrs! {}).await.unwrap().writes, 2);
    let events = store.all_events(id).await.unwrap();
    assert_eq!(events[0].hash, None);
    assert!(events[1].hash.is_some());
    match broken(store.verify_hash_chain::<HashedMemos>().await.unwrap()) {
        ChainBreak::BadHash {
            event_id,
            position,
            stored,
            ..
        } => assert_eq!((event_id, position, stored), (memo.id.uuid(), 0, None)),
        other => panic!("{other:?}"),
    }
}
