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

/// The backend's own error inside `error`.
fn postgres_error(error: &Error) -> &PostgresError {
    let Error::Storage(source) = error else {
        panic!("expected a storage error, got {error:?}");
    };
    source
        .downcast_ref::<PostgresError>()
        .unwrap_or_else(|| panic!("expected a PostgresError, got {error:?}"))
}

/// URLs that are not PostgreSQL's are refused before anything is tried
/// (no server needed): a misspelt scheme no longer reaches the driver,
/// which read it as a socket path and failed on a role "anonymous".
#[tokio::test]
async fn a_url_that_is_not_postgresql_is_refused_before_connecting() {
    for url in [
        "postgress:/oops",
        "sqlite::memory:",
        "postgres://[not a host",
    ] {
        let error = Postgres::connect(url).await.unwrap_err();
        assert!(
            matches!(postgres_error(&error), PostgresError::Url { .. }),
            "{url}: {error}"
        );
        assert!(
            error.to_string().contains("is not a PostgreSQL URL"),
            "{error}"
        );
    }
}

/// A port nobody listens on fails at once (not after the pool's 30 s
/// timeout) with the refused connection as the cause, naming host and port.
#[tokio::test]
async fn a_closed_port_fails_fast_naming_host_and_port() {
    let started = std::time::Instant::now();
    let error = Postgres::connect("postgres://postgres@127.0.0.1:1/test")
        .await
        .unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        matches!(postgres_error(&error), PostgresError::Connect { target, .. } if target == "127.0.0.1:1/test"),
        "{error}"
    );
    assert!(error.to_string().contains("127.0.0.1:1"), "{error}");
}

/// A missing database is reported as such, with the server's SQLSTATE and
/// without the driver's "at line N" (a line of the server's C source).
#[tokio::test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn a_missing_database_is_named_without_server_source_lines() {
    let url = pg_url();
    let missing = match url.rsplit_once('/') {
        Some((server, _)) => format!("{server}/spector_no_such_database"),
        None => panic!("SPECTOR_PG_URL has no database: {url}"),
    };
    let error = Postgres::connect(&missing).await.unwrap_err();
    let message = error.to_string();
    assert!(message.contains("spector_no_such_database"), "{message}");
    assert!(message.contains("SQLSTATE 3D000"), "{message}");
    assert!(!message.contains(" at line "), "{message}");
}
