//! The PostgreSQL backend: a connection pool and the [`Storage`] operations.

use async_trait::async_trait;
use spector_core::backend::{EventFold, EventQuery, LogSpec, Storage, WritePlan};
use spector_core::{Connect, Error, Result};
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};

use crate::error::{query_error, PostgresError};
use crate::select::Selection;
use crate::{lock, migration, read, transaction, write};

/// How a read that loads links starts: one snapshot for the link queries and
/// the event rows, so every event comes with exactly its committed links.
const BEGIN_READ: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// A Spector storage backend on PostgreSQL, through an sqlx pool.
///
/// Every write runs in one transaction on one pooled connection; writes to
/// the same record are serialized by a transaction-scoped advisory lock,
/// writes to different records run side by side. Cloning is cheap and
/// shares the pool.
#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
}

impl Postgres {
    /// Opens a pool on the server at `url`
    /// (`postgres://user:password@host:port/database`).
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] wrapping [`PostgresError::Connect`] when the
    /// server cannot be reached.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .connect(url)
            .await
            .map_err(PostgresError::Connect)?;
        Ok(Self::from_pool(pool))
    }

    /// Wraps a pool built by the caller (its own size, timeouts,
    /// `search_path` …).
    pub fn from_pool(pool: PgPool) -> Self {
        Self { pool }
    }

    /// The pool, for queries of the caller's own.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs DDL `statements` for `log` in one transaction, holding the log's
    /// migration lock so that concurrent migrations run one after another.
    ///
    /// The statements come from [`migration`], which has checked every name
    /// in them (derived ones included) before anything is sent.
    async fn run_ddl(&self, log: &'static LogSpec, statements: Vec<String>) -> Result<()> {
        let table = log.table().as_str();
        let failed = move |source| Error::from(PostgresError::Migration { table, source });
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let work = run_locked(&mut tx, table, statements).await.map_err(failed);
        transaction::finish(tx, work, failed).await
    }
}

/// Takes `table`'s migration lock, then runs `statements` one by one.
async fn run_locked(
    conn: &mut PgConnection,
    table: &str,
    statements: Vec<String>,
) -> Result<(), sqlx::Error> {
    sqlx::query(lock::LOCK_MIGRATION)
        .bind(lock::MIGRATION_CLASS)
        .bind(lock::migration_key(table))
        .execute(&mut *conn)
        .await?;
    for statement in statements {
        sqlx::raw_sql(AssertSqlSafe(statement))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl Storage for Postgres {
    async fn migrate(&self, log: &'static LogSpec) -> Result<()> {
        self.run_ddl(log, migration::up(log)?).await
    }

    async fn migrate_down(&self, log: &'static LogSpec) -> Result<()> {
        self.run_ddl(log, migration::down(log)?).await
    }

    async fn write<P: WritePlan>(&self, log: &'static LogSpec, plan: P) -> Result<P::Output> {
        write::write(&self.pool, log, plan).await
    }

    async fn fold_events<F: EventFold>(
        &self,
        log: &'static LogSpec,
        query: EventQuery,
        fold: F,
    ) -> Result<F::Output> {
        let table = log.table().as_str();
        let selection = Selection::of(log, &query.filter)?;
        if !query.with_links {
            let mut conn = self
                .pool
                .acquire()
                .await
                .map_err(query_error("connect", table))?;
            return read::fold_events(&mut conn, log, &selection, false, fold).await;
        }
        let mut tx = self
            .pool
            .begin_with(BEGIN_READ)
            .await
            .map_err(query_error("begin", table))?;
        let work = read::fold_events(&mut tx, log, &selection, true, fold).await;
        transaction::finish(tx, work, query_error("commit", table)).await
    }
}

#[async_trait]
impl Connect for Postgres {
    /// Opens a pool on `postgres://…` (or `postgresql://…`).
    async fn connect(url: &str) -> Result<Self> {
        Postgres::connect(url).await
    }
}
