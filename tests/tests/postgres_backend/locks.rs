//! Per-record write locks: a writer waits for the writers of its own record
//! and for nobody else.

use std::time::Duration;

use spector::postgres::record_lock_key;
use spector::{event_log, Attrs, Changeset, EventMeta, Evented, Id, Invalid};
use sqlx::{Connection, PgConnection};
use tokio::time::timeout;

use spector_tests::reads::Trace;
use spector_tests::{PostgresDb, TestDb};
use tracing::instrument::WithSubscriber;

use crate::connect_raw;

/// How long a write that must not wait may take.
const UNBLOCKED: Duration = Duration::from_secs(5);

/// How long a write that must wait is watched not finishing.
const BLOCKED: Duration = Duration::from_millis(300);

/// A record that counts its increments.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = LockTestEvents, actions(increment))]
struct Tally {
    id: Id<Tally>,
    count: u32,
}

impl Changeset for Tally {
    fn changeset(mut self, action: TallyAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        if let TallyAction::Increment(_) = action {
            self.count += 1;
        }
        Ok(self)
    }
}

event_log!(LockTestEvents {
    table: "lock_test_events",
    schemas: [Tally],
});

/// Whether some session waits for the advisory lock `key`.
async fn someone_waits_for(conn: &mut PgConnection, key: i64) -> bool {
    advisory_lock_row(conn, key, false).await
}

/// Whether some session holds the advisory lock `key`.
async fn someone_holds(conn: &mut PgConnection, key: i64) -> bool {
    advisory_lock_row(conn, key, true).await
}

/// Whether `pg_locks` has a row of the advisory lock `key` (one-key form,
/// which PostgreSQL shows as `classid` = high half, `objid` = low half,
/// `objsubid` = 1) that is `granted` or not.
async fn advisory_lock_row(conn: &mut PgConnection, key: i64, granted: bool) -> bool {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT FROM pg_locks \
         WHERE locktype = 'advisory' AND granted = $3 \
         AND classid::bigint = $1 AND objid::bigint = $2 AND objsubid = 1)",
    )
    .bind(i64::from((key >> 32) as u32))
    .bind(i64::from(key as u32))
    .bind(granted)
    .fetch_one(conn)
    .await
    .expect("read pg_locks")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn writers_wait_for_their_own_record_only() {
    let db = PostgresDb::create().await;
    let store = db.store().clone();
    store.migrate::<LockTestEvents>().await.unwrap();
    let a: Tally = store.insert(Attrs::new()).await.unwrap();
    let b: Tally = store.insert(Attrs::new()).await.unwrap();
    let a_key = record_lock_key("lock_test_events", a.id.uuid());
    assert_ne!(a_key, record_lock_key("lock_test_events", b.id.uuid()));

    // Another session takes A's write lock and keeps its transaction open.
    let mut holder = connect_raw().await;
    let mut held = holder.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(a_key)
        .execute(&mut *held)
        .await
        .unwrap();

    // A writer of B does not wait for it.
    let b = timeout(
        UNBLOCKED,
        store.execute(&b, TallyAction::Increment(Attrs::new())),
    )
    .await
    .expect("a write to another record waited for the lock")
    .unwrap();
    assert_eq!(b.count, 1);

    // A writer of A does: it is still waiting for the lock, and has
    // written nothing.
    let mut writer = {
        let (store, a) = (store.clone(), a.clone());
        tokio::spawn(async move {
            store
                .execute(&a, TallyAction::Increment(Attrs::new()))
                .await
        })
    };
    assert!(
        timeout(BLOCKED, &mut writer).await.is_err(),
        "a write to the locked record did not wait for the lock"
    );
    let mut observer = connect_raw().await;
    assert!(someone_waits_for(&mut observer, a_key).await);
    assert_eq!(store.all_events(a.id).await.unwrap().len(), 1);

    // Once the lock is released, the writer of A goes on.
    held.rollback().await.unwrap();
    let a = timeout(UNBLOCKED, writer)
        .await
        .expect("the write did not go on after the lock was released")
        .expect("the writer task finished")
        .unwrap();
    assert_eq!(a.count, 1);
    assert_eq!(store.all_events(a.id).await.unwrap().len(), 2);
    assert!(!someone_waits_for(&mut observer, a_key).await);
}

/// A write that waits for its record's lock says so in a trace event; one
/// that finds the lock free does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn a_wait_for_the_lock_is_traced_and_a_free_lock_is_not() {
    const WAITED: &str = "waited for the record's write lock";
    let db = PostgresDb::create().await;
    let store = db.store().clone();
    store.migrate::<LockTestEvents>().await.unwrap();
    let tally: Tally = store.insert(Attrs::new()).await.unwrap();

    let free = Trace::default();
    store
        .execute(&tally, TallyAction::Increment(Attrs::new()))
        .with_subscriber(free.dispatch())
        .await
        .unwrap();
    assert!(
        !free.messages().iter().any(|m| m.contains(WAITED)),
        "{:?}",
        free.messages()
    );

    let mut holder = connect_raw().await;
    let mut held = holder.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(record_lock_key("lock_test_events", tally.id.uuid()))
        .execute(&mut *held)
        .await
        .unwrap();
    let waiting = Trace::default();
    let writer = {
        let (store, id) = (store.clone(), tally.id);
        tokio::spawn(
            async move {
                store
                    .execute(id, TallyAction::Increment(Attrs::new()))
                    .await
            }
            .with_subscriber(waiting.dispatch()),
        )
    };
    tokio::time::sleep(BLOCKED).await;
    held.rollback().await.unwrap();
    timeout(UNBLOCKED, writer)
        .await
        .expect("the write went on")
        .expect("the writer task finished")
        .unwrap();
    assert!(
        waiting.messages().iter().any(|m| m.contains(WAITED)),
        "{:?}",
        waiting.messages()
    );
}

/// A write whose caller stops waiting while it waits for its record's lock
/// leaves no transaction behind: its connection is closed rather than
/// returned to the pool inside the transaction, so the lock it was queued
/// for is released once granted, and later writes of the record go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn a_write_dropped_while_it_waits_leaves_no_transaction_behind() {
    let db = PostgresDb::create().await;
    let store = db.store().clone();
    store.migrate::<LockTestEvents>().await.unwrap();
    let tally: Tally = store.insert(Attrs::new()).await.unwrap();
    let key = record_lock_key("lock_test_events", tally.id.uuid());

    let mut holder = connect_raw().await;
    let mut held = holder.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(key)
        .execute(&mut *held)
        .await
        .unwrap();
    let dropped = timeout(
        BLOCKED,
        store.execute(tally.id, TallyAction::Increment(Attrs::new())),
    )
    .await;
    assert!(dropped.is_err(), "the write did not wait for the lock");
    held.rollback().await.unwrap();

    let mut observer = connect_raw().await;
    let mut released = false;
    for _ in 0..50 {
        if !someone_holds(&mut observer, key).await {
            released = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(released, "the dropped write's session still holds the lock");
    for _ in 0..8 {
        timeout(
            UNBLOCKED,
            store.execute(tally.id, TallyAction::Increment(Attrs::new())),
        )
        .await
        .expect("a later write went on")
        .unwrap();
    }
    assert!(!someone_holds(&mut observer, key).await);
    let events = store.all_events(tally.id).await.unwrap();
    assert_eq!(events.len(), 1 + 8, "the dropped write wrote nothing");
}
