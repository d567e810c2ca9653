//! Opening the backend from a URL.

use spector::postgres::{Postgres, PostgresError};
use spector::{Connect, Error, Store};
use spector_tests::postgres_db::pg_url;

/// The backend on the test server; an unreachable server fails the test.
async fn connect(url: &str) -> Postgres {
    <Postgres as Connect>::connect(url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {url} is unreachable ({e}); \
                 set SPECTOR_SKIP_POSTGRES=1 to skip these tests"
            )
        })
}

#[tokio::test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn connect_opens_a_pool_on_the_server() {
    let backend = connect(&pg_url()).await;
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(backend.pool())
        .await
        .unwrap();
    assert_eq!(one, 1);
}

#[tokio::test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn a_store_connects_through_the_backend() {
    let url = pg_url();
    let store = Store::<Postgres>::connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL at {url} is unreachable ({e}); \
                 set SPECTOR_SKIP_POSTGRES=1 to skip these tests"
        )
    });
    let database: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(store.backend().pool())
        .await
        .unwrap();
    assert!(!database.is_empty());
}

/// Needs no server (the URL does not parse), so it runs even when the
/// server tests are ignored.
#[tokio::test]
async fn malformed_url_is_a_storage_error() {
    let error = Postgres::connect("postgres://[not a host")
        .await
        .unwrap_err();
    let Error::Storage(source) = &error else {
        panic!("expected a storage error, got {error:?}");
    };
    assert!(
        matches!(
            source.downcast_ref::<PostgresError>(),
            Some(PostgresError::Connect(_))
        ),
        "{error}"
    );
    assert!(error.to_string().contains("cannot connect"), "{error}");
}
