//! Opening the backend from a URL.

use spector_core::{Connect, Error};
use spector_postgres::Postgres;

use crate::support::{pg_url, skip_if_opted_out};

#[tokio::test]
async fn connect_opens_a_pool_on_the_server() {
    skip_if_opted_out!();
    let url = pg_url();
    let backend = <Postgres as Connect>::connect(&url)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL at {url} is unreachable ({e}); \
                 set SPECTOR_SKIP_POSTGRES=1 to skip these tests"
            )
        });
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(backend.pool())
        .await
        .unwrap();
    assert_eq!(one, 1);
}

/// Needs no server (the URL does not parse), so it runs even when the
/// server tests are skipped.
#[tokio::test]
async fn malformed_url_is_a_storage_error() {
    let error = Postgres::connect("postgres://[not a host")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Storage(_)), "{error}");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}
