//! What the backend tests share: the server's URL, the opt-out, and a
//! schema of its own per test.

use std::str::FromStr;

use spector_core::Store;
use spector_postgres::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use uuid::Uuid;

/// The server the tests use when `SPECTOR_PG_URL` is not set.
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server of the tests: `SPECTOR_PG_URL`, or the local one.
pub fn pg_url() -> String {
    std::env::var("SPECTOR_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// Why the tests that need a server are skipped: `SPECTOR_SKIP_POSTGRES`
/// set to anything but empty or `0`, as in the conformance suite.
pub fn skip_reason() -> Option<String> {
    std::env::var("SPECTOR_SKIP_POSTGRES")
        .ok()
        .filter(|value| !value.is_empty() && value != "0")
        .map(|_| "SPECTOR_SKIP_POSTGRES is set".to_owned())
}

/// Returns from the calling test, saying why, when the user opted out of
/// the tests that need a server.
macro_rules! skip_if_opted_out {
    () => {
        if let Some(reason) = $crate::support::skip_reason() {
            eprintln!("skipped: {reason}");
            return;
        }
    };
}
pub(crate) use skip_if_opted_out;

/// A connection of its own to the server; panics (failing the test) when
/// the server is unreachable.
pub async fn connect_raw() -> PgConnection {
    let url = pg_url();
    PgConnection::connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL at {url} is unreachable ({e}); \
             set SPECTOR_SKIP_POSTGRES=1 to skip these tests"
        )
    })
}

/// A PostgreSQL schema of its own, reached through a store whose pool has
/// that schema as its `search_path`; dropped with the value.
pub struct TestSchema {
    /// The store on the schema.
    pub store: Store<Postgres>,
    name: String,
}

impl TestSchema {
    /// Creates a fresh schema; panics when the server is unreachable.
    pub async fn create() -> Self {
        let name = format!("spector_backend_test_{}", Uuid::now_v7().simple());
        let mut admin = connect_raw().await;
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&mut admin)
            .await
            .expect("create the test schema");
        let options = PgConnectOptions::from_str(&pg_url())
            .expect("valid SPECTOR_PG_URL")
            .options([("search_path", name.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .expect("connect the pool");
        Self {
            store: Store::new(Postgres::from_pool(pool)),
            name,
        }
    }
}

impl Drop for TestSchema {
    /// Drops the schema, on a thread of its own so that it also runs when a
    /// test panics inside the async runtime.
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&pg_url()).await?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE"
                )))
                .execute(&mut admin)
                .await?;
                Ok::<_, sqlx::Error>(())
            })?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
        })
        .join();
        if let Ok(Err(error)) = dropped {
            eprintln!("could not drop a test schema: {error}");
        }
    }
}
