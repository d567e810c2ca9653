//! Opening the backend from a URL.

use spector_core::{Connect, Error};
use spector_postgres::Postgres;

/// The server of the tests: `SPECTOR_PG_URL`, or the local one.
fn pg_url() -> String {
    std::env::var("SPECTOR_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

#[tokio::test]
async fn connect_opens_a_pool_on_the_server() {
    let backend = <Postgres as Connect>::connect(&pg_url()).await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(backend.pool())
        .await
        .unwrap();
    assert_eq!(one, 1);
}

#[tokio::test]
async fn malformed_url_is_a_storage_error() {
    let error = Postgres::connect("postgres://[not a host")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Storage(_)), "{error}");
    assert!(error.to_string().contains("cannot connect"), "{error}");
}
