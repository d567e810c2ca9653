//! Migrations: idempotent, safe to run concurrently, and fully undone.

use std::sync::Arc;

use crate::support::TestDb;
use crate::tally::TallyEvents;

/// How many of the log's tables, triggers, functions and indexes exist in
/// the test's schema.
async fn objects(db: &TestDb) -> [i64; 4] {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(db.schema())
            .fetch_one(db.pool())
            .await
            .expect("read the catalog")
    };
    [
        count(
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = $1 AND table_name IN ('tally_events', 'tally_follows')",
        )
        .await,
        count(
            "SELECT count(*) FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND t.tgname = 'tally_follows_same_record'",
        )
        .await,
        count(
            "SELECT count(*) FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname = $1 AND p.proname = 'tally_follows_same_record'",
        )
        .await,
        count("SELECT count(*) FROM pg_indexes WHERE schemaname = $1").await,
    ]
}

#[tokio::test]
async fn migrate_is_idempotent_and_down_removes_tables_triggers_and_functions() {
    let db = TestDb::create().await;
    db.store.migrate::<TallyEvents>().await.unwrap();
    db.store.migrate::<TallyEvents>().await.unwrap();
    // Event table: primary key + 3 indexes; link table: unique + column index.
    assert_eq!(objects(&db).await, [2, 1, 1, 6]);

    db.store.migrate_down::<TallyEvents>().await.unwrap();
    assert_eq!(objects(&db).await, [0, 0, 0, 0]);
    db.store.migrate_down::<TallyEvents>().await.unwrap();
}

#[tokio::test]
async fn migrate_after_down_starts_empty() {
    let db = TestDb::create().await;
    db.store.migrate::<TallyEvents>().await.unwrap();
    let _: crate::tally::Tally = db.store.insert(Default::default()).await.unwrap();
    db.store.migrate_down::<TallyEvents>().await.unwrap();
    db.store.migrate::<TallyEvents>().await.unwrap();
    assert_eq!(db.count_rows("tally_events").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_migrations_all_succeed() {
    let db = Arc::new(TestDb::create().await);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let db = Arc::clone(&db);
            tokio::spawn(async move { db.store.migrate::<TallyEvents>().await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task finished").unwrap();
    }
    assert_eq!(objects(&db).await, [2, 1, 1, 6]);
}
