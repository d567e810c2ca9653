//! The PostgreSQL backend: a connection pool and the [`Storage`] operations.

use std::sync::Arc;

use async_trait::async_trait;
use spector_core::action::DELETE;
use spector_core::backend::{EventFold, EventQuery, LogSpec, MultiPlan, Storage, WritePlan};
use spector_core::{Connect, Error, Result};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use uuid::Uuid;

use crate::error::{query_error, PostgresError};
use crate::select::Selection;
use crate::time_column::TimeColumns;
use crate::{lock, migration, read, transaction, write};

/// A Spector storage backend on PostgreSQL, through an sqlx pool.
///
/// Every write runs in one transaction on one pooled connection; writes to
/// the same record are serialized by a transaction-scoped advisory lock,
/// writes to different records run side by side. Cloning is cheap and
/// shares the pool.
#[derive(Debug, Clone)]
pub struct Postgres {
    pool: PgPool,
    time_columns: Arc<TimeColumns>,
}

impl Postgres {
    /// Opens a pool on the server at `url`
    /// (`postgres://user:password@host:port/database`, or `postgresql://`).
    ///
    /// One connection is opened first, so that a server that is down or
    /// refuses the login is reported at once, with its cause.
    ///
    /// # Errors
    ///
    /// [`Error::Storage`] wrapping [`PostgresError::Url`] for a URL that is
    /// not PostgreSQL's, [`PostgresError::Connect`] (naming host, port and
    /// database) when the server cannot be reached or refuses the login.
    pub async fn connect(url: &str) -> Result<Self> {
        let options = parse_url(url)?;
        let target = format!(
            "{}:{}/{}",
            options.get_host(),
            options.get_port(),
            options.get_database().unwrap_or("(default database)")
        );
        let first = tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect_with(&options))
            .await
            .unwrap_or(Err(sqlx::Error::PoolTimedOut))
            .map_err(|source| PostgresError::Connect {
                target: target.clone(),
                source,
            })?;
        let _ = first.close().await;
        let pool = PgPoolOptions::new().connect_lazy_with(options);
        Ok(Self::from_pool(pool))
    }

    /// Wraps a pool built by the caller (its own size, timeouts,
    /// `search_path` …).
    pub fn from_pool(pool: PgPool) -> Self {
        Self {
            pool,
            time_columns: Arc::default(),
        }
    }

    /// The pool, for queries of the caller's own.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Runs DDL `statements` for `log` in one transaction, holding the log's
    /// migration lock so that concurrent migrations run one after another;
    /// with `add_columns` (`migrate`), then adds the columns its
    /// materialized tables lack. Any error rolls all of it back.
    ///
    /// The statements come from [`migration`], which has checked every name
    /// in them (derived ones included) before anything is sent.
    async fn run_ddl(
        &self,
        log: &'static LogSpec,
        statements: Vec<String>,
        add_columns: bool,
    ) -> Result<()> {
        let table = log.table().as_str();
        let failed = move |source| Error::from(PostgresError::Migration { table, source });
        let mut tx = self.pool.begin().await.map_err(failed)?;
        let mut work = run_locked(&mut tx, table, statements).await.map_err(failed);
        if work.is_ok() && add_columns {
            work = migration::add_missing_columns(&mut tx, log).await;
        }
        transaction::finish(tx, work, failed).await
    }
}

/// How long [`Postgres::connect`] waits for the server's first answer.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The options of a PostgreSQL URL, refusing any other scheme before the
/// driver sees it (it would otherwise read `postgress:/x` as a socket path).
fn parse_url(url: &str) -> Result<PgConnectOptions> {
    let refuse = |reason: String| {
        let shown = url.rsplit_once('@').map_or(url, |(_, host)| host);
        Error::from(PostgresError::Url {
            url: shown.to_owned(),
            reason,
        })
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(refuse(
            "write it as `postgres://user:password@host:port/database`".to_owned(),
        ));
    }
    url.parse::<PgConnectOptions>()
        .map_err(|error| refuse(error.to_string()))
}

/// Takes `table`'s migration lock, then runs `statements` one by one.
async fn run_locked(
    conn: &mut PgConnection,
    table: &str,
    statements: Vec<String>,
) -> Result<(), sqlx::Error> {
    sqlx::query(lock::LOCK_MIGRATION)
        .bind(lock::MIGRATION_CLASS)
        .bind(lock::table_key(table))
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
        self.time_columns.forget(log.table().as_str());
        self.run_ddl(log, migration::up(log)?, true).await
    }

    async fn migrate_down(&self, log: &'static LogSpec) -> Result<()> {
        self.time_columns.forget(log.table().as_str());
        self.run_ddl(log, migration::down(log)?, false).await
    }

    async fn write<P: WritePlan>(&self, log: &'static LogSpec, plan: P) -> Result<P::Output> {
        write::write(&self.pool, &self.time_columns, log, plan).await
    }

    async fn write_many<P: MultiPlan>(&self, plan: P) -> Result<P::Output> {
        write::write_many(&self.pool, plan).await
    }

    async fn record_ids(
        &self,
        log: &'static LogSpec,
        schema_index: i32,
        after: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<Uuid>> {
        let table = log.table();
        let sql = format!(
            "SELECT e.id FROM {table} e \
             WHERE e.schema = $1 AND e.id = e.parent_id AND ($2::uuid IS NULL OR e.id > $2) \
             AND NOT EXISTS (SELECT 1 FROM {table} d WHERE d.parent_id = e.id AND d.action = {DELETE}) \
             ORDER BY e.id LIMIT $3"
        );
        sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(schema_index)
            .bind(after)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await
            .map_err(query_error("list records", table.as_str()))
    }

    async fn fold_events<F: EventFold>(
        &self,
        log: &'static LogSpec,
        query: EventQuery,
        fold: F,
    ) -> Result<F::Output> {
        let table = log.table().as_str();
        let selection = Selection::of(log, &query.filter)?;
        // One statement (links are arrays of subqueries in it), so one
        // snapshot: every event comes with exactly its committed links.
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(query_error("connect", table))?;
        read::fold_events(&mut conn, log, &selection, query.with_links, fold).await
    }
}

#[async_trait]
impl Connect for Postgres {
    /// Opens a pool on `postgres://…` (or `postgresql://…`).
    async fn connect(url: &str) -> Result<Self> {
        Postgres::connect(url).await
    }
}
