//! One PostgreSQL schema per test, reached through a pool whose
//! `search_path` is that schema, and dropped afterwards.
//!
//! The server is `SPECTOR_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); when it is unreachable the
//! tests fail.

use std::str::FromStr;

use spector_core::{Store, Uuid};
use spector_postgres::Postgres;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

/// The server used when `SPECTOR_PG_URL` is not set.
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server URL of the tests.
pub fn pg_url() -> String {
    std::env::var("SPECTOR_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// A schema of its own and a store on it.
pub struct TestDb {
    /// The store under test.
    pub store: Store<Postgres>,
    schema: String,
}

impl TestDb {
    /// Creates a fresh schema; panics when the server is unreachable.
    pub async fn create() -> Self {
        let url = pg_url();
        let schema = format!("spector_{}", Uuid::now_v7().simple());
        let mut admin = PgConnection::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url} is unreachable: {e}"));
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await
            .expect("create the test schema");
        let options = PgConnectOptions::from_str(&url)
            .expect("valid SPECTOR_PG_URL")
            .options([("search_path", schema.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .expect("connect the pool");
        Self {
            store: Store::new(Postgres::from_pool(pool)),
            schema,
        }
    }

    /// The pool of the store.
    pub fn pool(&self) -> &PgPool {
        self.store.backend().pool()
    }

    /// The test's schema.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// How many rows `table` has.
    pub async fn count_rows(&self, table: &str) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(self.pool())
            .await
            .expect("count rows")
    }

    /// Runs one statement of the test's own.
    pub async fn sql(&self, sql: String) -> Result<(), sqlx::Error> {
        sqlx::query(AssertSqlSafe(sql))
            .execute(self.pool())
            .await
            .map(drop)
    }
}

impl Drop for TestDb {
    /// Drops the schema, on a thread of its own so that it also runs when a
    /// test panics inside the async runtime. A lock timeout keeps a test that
    /// left a transaction open from hanging here.
    fn drop(&mut self) {
        let schema = std::mem::take(&mut self.schema);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&pg_url()).await?;
                sqlx::query("SET lock_timeout = '10s'")
                    .execute(&mut admin)
                    .await?;
                sqlx::query(AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {schema} CASCADE"
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
