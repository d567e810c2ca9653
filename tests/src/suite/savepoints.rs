//! Savepoints: reads and writes start at the record's latest savepoint
//! (the rows before it are not read), automatic savepoints, stale records,
//! idempotent retries behind a savepoint, and `verify_savepoints`.

use serde_json::json;
use spector::action::SAVEPOINT;
use spector::backend::Storage;
use spector::{attrs, Error, Event, FieldMismatch, Id, Replay, SavepointCheck, Store, Uuid};

use crate::db::{RawEvent, TestDb};
use crate::reads::count_reads;
use crate::tally::{Add, Lossy, SavepointEvents, Tally, TallyAction, TALLY_SAVEPOINT_EVERY};

/// The state of a tally replayed from every event, savepoints skipped.
fn full_replay(events: &[Event]) -> Option<Tally> {
    Replay::<Tally>::run(events.iter().filter(|e| e.action_code != SAVEPOINT)).unwrap()
}

/// How many of `events` are savepoints.
fn savepoints(events: &[Event]) -> usize {
    events.iter().filter(|e| e.action_code == SAVEPOINT).count()
}

/// Adds `amount` to the tally `id`.
async fn add<B: Storage>(store: &Store<B>, id: Id<Tally>, amount: i64) -> Tally {
    store.update(id, Add { amount }).await.unwrap()
}

/// 250 writes to a tally with `savepoint_every = 100`: a savepoint follows
/// the 100th and 200th events, no write reads more than 100 rows (and the
/// 100th reads exactly that many), `prepare_event` sees the events since
/// the latest savepoint, and `get` equals a full replay.
pub async fn automatic_savepoints_bound_every_write<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<SavepointEvents>().await.unwrap();
    let ((tally, last), reads) = count_reads(async {
        let tally: Tally = store.insert(Add { amount: 1 }).await.unwrap();
        let mut last = tally.clone();
        for amount in 2..=250 {
            last = add(store, tally.id, amount).await;
        }
        (tally, last)
    })
    .await;
    assert_eq!(reads.len(), 250);
    assert_eq!(reads.iter().max(), Some(&(TALLY_SAVEPOINT_EVERY as u64)));
    assert_eq!(reads[0], 0, "an insert reads nothing");

    let events = store.all_events(tally.id).await.unwrap();
    assert_eq!(events.len(), 252);
    let positions: Vec<usize> = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.action_code == SAVEPOINT)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(positions, [100, 201], "after the 100th and 200th events");
    assert!(events
        .windows(2)
        .all(|w| w[0].inserted_at < w[1].inserted_at));

    assert_eq!(last.total, (1..=250).sum::<i64>());
    assert_eq!(store.get(tally.id).await.unwrap(), Some(last.clone()));
    assert_eq!(full_replay(&events), Some(last));
    let recent = store.recent_events(tally.id).await.unwrap();
    assert_eq!(
        recent.len(),
        51,
        "the latest savepoint and the 50 events after it"
    );
    assert_eq!(recent[0].id, events[201].id);
}

/// A tally of 10,000 events with a savepoint after every 100th, written by
/// hand: each new write reads at most 100 rows, `get` and `recent_events`
/// start at the latest savepoint, and the savepoints verify.
pub async fn a_long_history_is_read_from_its_latest_savepoint<D: TestDb>() {
    const EVENTS: i64 = 10_000;
    let db = D::create().await;
    let store = db.store();
    store.migrate::<SavepointEvents>().await.unwrap();
    let id = Uuid::now_v7();
    let start = chrono::Utc::now().timestamp_micros() - 2 * EVENTS * 1_000;
    let mut rows = Vec::new();
    let mut micros = start;
    let mut row = |event: Uuid, action: i32, payload: serde_json::Value| {
        micros += 1_000;
        rows.push(RawEvent {
            id: event,
            parent_id: id,
            schema: 0,
            action,
            payload: payload.to_string(),
            micros,
        });
    };
    row(id, 1, json!({ "amount": 1 }));
    for n in 1..=EVENTS {
        if n > 1 {
            row(Uuid::now_v7(), 2, json!({ "amount": 1 }));
        }
        if n % 100 == 0 {
            let state = json!({ "id": id, "total": n, "actions": n, "last": 1 });
            row(Uuid::now_v7(), SAVEPOINT, state);
        }
    }
    db.insert_event_rows("savepoint_events", rows)
        .await
        .unwrap();

    let tally = Id::<Tally>::new(id);
    let (states, reads) = count_reads(async {
        let mut states = Vec::new();
        for _ in 0..3 {
            states.push(add(store, tally, 1).await);
        }
        states
    })
    .await;
    assert_eq!(reads, [1, 2, 3], "the savepoint, then the events after it");
    assert_eq!(states[2].total, EVENTS + 3);
    assert_eq!(store.get(tally).await.unwrap(), Some(states[2].clone()));
    assert_eq!(store.recent_events(tally).await.unwrap().len(), 4);
    assert_eq!(
        store.verify_savepoints(tally).await.unwrap(),
        SavepointCheck::Consistent { savepoints: 100 }
    );
}

/// A small deterministic generator (xorshift), so that the sequences below
/// are random but the same on every run and backend.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

/// Random sequences of adds, resets and savepoints taken by hand (beside
/// the automatic ones): after every step, the state the write returned,
/// `get` (from the latest savepoint) and a full replay of every event
/// without savepoints are equal.
pub async fn savepoint_replay_equals_full_replay_over_random_sequences<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<SavepointEvents>().await.unwrap();
    for seed in 1..=6_u64 {
        let mut random = Sequence(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let mut state: Tally = store.insert(Add { amount: 0 }).await.unwrap();
        for _ in 0..40 {
            state = match random.next(10) {
                0 => store.savepoint(state.id).await.unwrap(),
                1 => store.savepoint(&state).await.unwrap(),
                2 => store
                    .execute(state.id, TallyAction::Reset(attrs! {}))
                    .await
                    .unwrap(),
                _ => add(store, state.id, random.next(1_000) as i64 - 500).await,
            };
            let events = store.all_events(state.id).await.unwrap();
            assert_eq!(store.get(state.id).await.unwrap().as_ref(), Some(&state));
            assert_eq!(full_replay(&events).as_ref(), Some(&state), "seed {seed}");
        }
        let events = store.all_events(state.id).await.unwrap();
        assert!(savepoints(&events) > 0, "seed {seed} took savepoints");
    }
}

/// A savepoint of an in-memory record that is no longer the current state
/// is refused and writes nothing; by id, or from the current state, it is
/// stored as a code-4 event carrying the state and the reserved keys.
pub async fn a_savepoint_of_a_stale_record_is_refused<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<SavepointEvents>().await.unwrap();
    let stale: Tally = store.insert(Add { amount: 1 }).await.unwrap();
    let current = add(store, stale.id, 2).await;

    let error = store.savepoint(&stale).await.unwrap_err();
    assert!(
        matches!(error, Error::StaleRecord { record_type: "Tally", id } if id == stale.id.uuid()),
        "{error:?}"
    );
    assert_eq!(db.count_rows("savepoint_events").await, 2);

    assert_eq!(store.savepoint(&current).await.unwrap(), current);
    assert_eq!(store.savepoint(stale.id).await.unwrap(), current);
    let events = store.all_events(stale.id).await.unwrap();
    assert_eq!(events.len(), 4);
    let savepoint = &events[3];
    assert_eq!(savepoint.action_code, SAVEPOINT);
    assert_eq!(savepoint.action_name::<Tally>(), Some("savepoint"));
    assert_eq!(
        serde_json::Value::from(savepoint.payload.clone()),
        json!({
            "id": stale.id,
            "total": 3,
            "actions": 2,
            "last": 2,
            "__version__": 0,
            "__event_id__": savepoint.id.to_string(),
        })
    );

    let missing = Id::<Tally>::new(Uuid::now_v7());
    assert!(matches!(
        store.savepoint(missing).await,
        Err(Error::NotFound { .. })
    ));
    store.delete(stale.id).await.unwrap();
    assert!(matches!(
        store.savepoint(stale.id).await,
        Err(Error::Deleted { .. })
    ));
}

/// An idempotent write retried after a savepoint was taken behind it
/// returns what it first returned and writes nothing; the same id with
/// another payload is still a conflict.
pub async fn an_idempotent_retry_behind_a_savepoint_writes_nothing<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<SavepointEvents>().await.unwrap();
    let tally: Tally = store.insert(Add { amount: 1 }).await.unwrap();
    let request = Uuid::now_v7();
    let first = store
        .idempotent(request)
        .update(tally.id, Add { amount: 5 })
        .await
        .unwrap();
    store.savepoint(tally.id).await.unwrap();
    add(store, tally.id, 100).await;
    let rows = db.count_rows("savepoint_events").await;

    let retried = store
        .idempotent(request)
        .update(tally.id, Add { amount: 5 })
        .await
        .unwrap();
    assert_eq!(retried, first);
    assert_eq!(db.count_rows("savepoint_events").await, rows);
    let conflict = store
        .idempotent(request)
        .update(tally.id, Add { amount: 6 })
        .await
        .unwrap_err();
    assert!(
        matches!(conflict, Error::EventIdConflict { .. }),
        "{conflict:?}"
    );
    assert_eq!(db.count_rows("savepoint_events").await, rows);
}

/// `verify_savepoints` finds the savepoint whose hooks lose a field, with
/// both states and the field; serde savepoints and records without any
/// verify.
pub async fn verify_savepoints_catches_a_hook_that_drops_a_field<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<SavepointEvents>().await.unwrap();
    let lossy: Lossy = store.insert(attrs! { "note": "a" }).await.unwrap();
    let noted = store
        .update(lossy.id, attrs! { "note": "b" })
        .await
        .unwrap();
    assert_eq!(
        store.verify_savepoints(lossy.id).await.unwrap(),
        SavepointCheck::Consistent { savepoints: 0 }
    );
    store.savepoint(lossy.id).await.unwrap();
    store.update(lossy.id, attrs! {}).await.unwrap();
    let savepoint = store.recent_events(lossy.id).await.unwrap()[0].clone();
    assert_eq!(savepoint.action_code, SAVEPOINT);

    let SavepointCheck::Mismatch(mismatch) = store.verify_savepoints(lossy.id).await.unwrap()
    else {
        panic!("the lossy savepoint verifies");
    };
    assert_eq!(mismatch.record_id, lossy.id.uuid());
    assert_eq!(mismatch.savepoint_id, savepoint.id);
    assert_eq!(mismatch.expected, noted);
    assert_eq!(mismatch.actual.note, "");
    assert_eq!(
        mismatch.fields,
        [FieldMismatch {
            field: "note".into(),
            expected: json!("b"),
            found: json!(""),
        }]
    );
    assert!(mismatch
        .to_string()
        .contains("`note` expected \"b\", found \"\""));

    let tally: Tally = store.insert(Add { amount: 1 }).await.unwrap();
    add(store, tally.id, 2).await;
    store.savepoint(tally.id).await.unwrap();
    add(store, tally.id, 3).await;
    store.savepoint(tally.id).await.unwrap();
    assert_eq!(
        store.verify_savepoints(tally.id).await.unwrap(),
        SavepointCheck::Consistent { savepoints: 2 }
    );
}
