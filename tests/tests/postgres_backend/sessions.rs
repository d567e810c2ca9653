//! Session settings a pool may carry do not change what a write stores.

use std::str::FromStr;

use spector::postgres::Postgres;
use spector::{ChainCheck, Store};
use spector_tests::documents::{Doc, DocEvents, Revision};
use spector_tests::postgres_db::pg_url;
use spector_tests::{PostgresDb, TestDb};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

/// A hashed log written through sessions whose `bytea_output` is `escape`:
/// a write reads the chain's tail as text in its opening message, and still
/// decodes it, so the chain stays intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn a_hashed_log_written_with_escaped_bytea_output_chains_on() {
    let db = PostgresDb::create().await;
    db.store().migrate::<DocEvents>().await.unwrap();
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(db.store().backend().pool())
        .await
        .unwrap();
    let options = PgConnectOptions::from_str(&pg_url())
        .unwrap()
        .options([("search_path", schema.as_str()), ("bytea_output", "escape")]);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await
        .unwrap();
    let output: String = sqlx::query_scalar("SHOW bytea_output")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(output, "escape");
    let store = Store::new(Postgres::from_pool(pool));

    let revision = |text: &str| Revision {
        text: text.to_owned(),
        relates: Vec::new(),
        untyped: false,
    };
    let doc: Doc = store.insert(revision("first")).await.unwrap();
    let doc: Doc = store.update(doc.id, revision("second")).await.unwrap();
    let other: Doc = store.insert(revision("another")).await.unwrap();
    assert_eq!(doc.text, "second");
    assert_eq!(store.get(other.id).await.unwrap(), Some(other));
    match store.verify_hash_chain::<DocEvents>().await.unwrap() {
        ChainCheck::Intact(head) => assert_eq!(head.events, 3),
        broken => panic!("the chain broke: {broken:?}"),
    }
}
