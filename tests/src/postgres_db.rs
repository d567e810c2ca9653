//! The PostgreSQL side of the suite: one schema per test, dropped afterwards.
//!
//! The server is `SPECTOR_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`); its database is created when
//! it is missing. An unreachable server fails the tests; build them with
//! `SPECTOR_SKIP_POSTGRES=1` to have them ignored instead.

use std::str::FromStr;

use async_trait::async_trait;
use spector::postgres::Postgres;
use spector::Store;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection};
use uuid::Uuid;

use crate::db::{RawEvent, RowTime, Tamper, TestDb};

/// The server the PostgreSQL tests use when `SPECTOR_PG_URL` is not set.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server URL of the PostgreSQL tests.
pub fn pg_url() -> String {
    std::env::var("SPECTOR_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// A PostgreSQL schema of its own, reached through a pool whose
/// `search_path` is that schema.
pub struct PostgresDb {
    store: Store<Postgres>,
    schema: String,
}

impl PostgresDb {
    fn pool(&self) -> &sqlx::PgPool {
        self.store.backend().pool()
    }
}

#[async_trait]
impl TestDb for PostgresDb {
    type Storage = Postgres;

    async fn create() -> Self {
        let url = pg_url();
        let schema = format!("spector_test_{}", Uuid::now_v7().simple());
        let mut admin = connect_creating_database(&url).await.unwrap_or_else(|e| {
            panic!(
                "cannot connect to PostgreSQL at {url} (server down, or the role cannot log in): \
                 {e}; set SPECTOR_SKIP_POSTGRES=1 to skip these tests"
            )
        });
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

    fn store(&self) -> &Store<Postgres> {
        &self.store
    }

    async fn count_rows(&self, table: &str) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(self.pool())
            .await
            .expect("count rows")
    }

    async fn table_exists(&self, table: &str) -> bool {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = $1 AND table_name = $2",
        )
        .bind(&self.schema)
        .bind(table)
        .fetch_one(self.pool())
        .await
        .expect("read information_schema")
            == 1
    }

    async fn schema_objects(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT CASE c.relkind WHEN 'r' THEN 'table ' WHEN 'i' THEN 'index ' \
                    ELSE 'relation ' END || c.relname \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 \
             UNION ALL \
             SELECT 'trigger ' || t.tgname FROM pg_trigger t \
             JOIN pg_class c ON c.oid = t.tgrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = $1 AND NOT t.tgisinternal \
             UNION ALL \
             SELECT 'function ' || p.proname FROM pg_proc p \
             JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 \
             ORDER BY 1",
        )
        .bind(&self.schema)
        .fetch_all(self.pool())
        .await
        .expect("read the catalog")
    }

    async fn insert_link_row(
        &self,
        link_table: &str,
        column: &str,
        event_id: Uuid,
        target: Uuid,
    ) -> Result<(), String> {
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {link_table} (event_id, {column}) VALUES ($1, $2)"
        )))
        .bind(event_id)
        .bind(target)
        .execute(self.pool())
        .await
        .map(drop)
        .map_err(|e| describe(&e))
    }

    async fn insert_event_row(
        &self,
        table: &str,
        id: Uuid,
        parent_id: Uuid,
        schema: i32,
        action: i32,
        payload: &str,
        time: RowTime,
    ) -> Result<(), String> {
        let time = match time {
            RowTime::Now => "now()",
            RowTime::OutOfRange => "'infinity'",
            RowTime::Last => "'262141-12-31 23:59:59.999999+00'",
        };
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
             VALUES ($1, $2, $3::jsonb, $4, $5, {time})"
        )))
        .bind(id)
        .bind(parent_id)
        .bind(payload)
        .bind(schema)
        .bind(action)
        .execute(self.pool())
        .await
        .map(drop)
        .map_err(|e| describe(&e))
    }

    async fn insert_event_rows(&self, table: &str, rows: Vec<RawEvent>) -> Result<(), String> {
        let mut columns: (
            Vec<Uuid>,
            Vec<Uuid>,
            Vec<String>,
            Vec<i32>,
            Vec<i32>,
            Vec<i64>,
        ) = Default::default();
        for row in rows {
            columns.0.push(row.id);
            columns.1.push(row.parent_id);
            columns.2.push(row.payload);
            columns.3.push(row.schema);
            columns.4.push(row.action);
            columns.5.push(row.micros);
        }
        sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
             SELECT id, parent_id, payload::jsonb, schema, action, \
                    'epoch'::timestamptz + micros * interval '1 microsecond' \
             FROM UNNEST($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::int[], $6::bigint[]) \
                  AS r(id, parent_id, payload, schema, action, micros)"
        )))
        .bind(columns.0)
        .bind(columns.1)
        .bind(columns.2)
        .bind(columns.3)
        .bind(columns.4)
        .bind(columns.5)
        .execute(self.pool())
        .await
        .map(drop)
        .map_err(|e| describe(&e))
    }

    async fn tamper(&self, table: &str, tamper: Tamper) -> Result<(), String> {
        execute_on(
            self.pool(),
            &format!("ALTER TABLE {table} DISABLE TRIGGER USER"),
        )
        .await?;
        let query = |sql: String| sqlx::query(AssertSqlSafe(sql));
        let statement = match tamper {
            Tamper::SetPayload(id, payload) => query(format!(
                "UPDATE {table} SET payload = $2::jsonb WHERE id = $1"
            ))
            .bind(id)
            .bind(payload),
            Tamper::Delete(id) => query(format!("DELETE FROM {table} WHERE id = $1")).bind(id),
            Tamper::SwapTimes(a, b) => query(format!(
                "UPDATE {table} SET inserted_at = CASE id \
                 WHEN $1 THEN (SELECT inserted_at FROM {table} WHERE id = $2) \
                 ELSE (SELECT inserted_at FROM {table} WHERE id = $1) END \
                 WHERE id IN ($1, $2)"
            ))
            .bind(a)
            .bind(b),
            Tamper::SetHash(id, hash) => {
                query(format!("UPDATE {table} SET hash = $2 WHERE id = $1"))
                    .bind(id)
                    .bind(hash)
            }
            Tamper::SetParent(id, parent) => {
                query(format!("UPDATE {table} SET parent_id = $2 WHERE id = $1"))
                    .bind(id)
                    .bind(parent)
            }
            Tamper::DeleteLinks {
                table: links,
                event_id,
            } => query(format!("DELETE FROM {links} WHERE event_id = $1")).bind(event_id),
            Tamper::Insert(row, hash) => query(format!(
                "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at, hash) \
                 VALUES ($1, $2, $3::jsonb, $4, $5, \
                         'epoch'::timestamptz + $6 * interval '1 microsecond', $7)"
            ))
            .bind(row.id)
            .bind(row.parent_id)
            .bind(row.payload)
            .bind(row.schema)
            .bind(row.action)
            .bind(row.micros)
            .bind(hash),
        };
        statement
            .execute(self.pool())
            .await
            .map(drop)
            .map_err(|e| describe(&e))
    }

    async fn execute_sql(&self, sql: &str) -> Result<(), String> {
        execute_on(self.pool(), sql).await
    }

    async fn drop_link(
        &self,
        log: &'static spector::backend::LogSpec,
        link: &str,
    ) -> Result<(), String> {
        let spec = log.link(link).ok_or_else(|| format!("no link {link}"))?;
        let statements = spector::postgres::migration::link_down(log.table(), spec)
            .map_err(|e| e.to_string())?
            .join(";\n");
        self.execute_sql(&statements).await
    }

    fn id_sql(&self, id: Uuid) -> String {
        format!("'{id}'")
    }

    fn bool_sql(&self, value: bool) -> &'static str {
        if value {
            "true"
        } else {
            "false"
        }
    }

    async fn select_json(
        &self,
        sql: &str,
        _booleans: &[&str],
        _json: &[&str],
    ) -> Vec<serde_json::Value> {
        let rows: Vec<sqlx::types::Json<serde_json::Value>> =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT to_jsonb(q) FROM ({sql}) q")))
                .fetch_all(self.pool())
                .await
                .expect("select");
        rows.into_iter().map(|json| json.0).collect()
    }
}

/// Runs `sql` on the test's schema.
async fn execute_on(pool: &sqlx::PgPool, sql: &str) -> Result<(), String> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .map(drop)
        .map_err(|e| describe(&e))
}

/// A connection to `url`; when its database does not exist, it is created
/// first (through the server's `postgres` database), so that the suite needs
/// nothing but a running server.
async fn connect_creating_database(url: &str) -> Result<PgConnection, sqlx::Error> {
    const INVALID_CATALOG_NAME: &str = "3D000";
    const DUPLICATE_DATABASE: &str = "42P04";
    let error = match PgConnection::connect(url).await {
        Ok(conn) => return Ok(conn),
        Err(error) => error,
    };
    let code = error.as_database_error().and_then(|db| db.code());
    if code.as_deref() != Some(INVALID_CATALOG_NAME) {
        return Err(error);
    }
    let options = PgConnectOptions::from_str(url)?;
    let database = options.get_database().unwrap_or("test").to_owned();
    let mut server = PgConnection::connect_with(&options.clone().database("postgres")).await?;
    let created = sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{database}\"")))
        .execute(&mut server)
        .await;
    match created {
        Err(error)
            if error
                .as_database_error()
                .and_then(|db| db.code())
                .as_deref()
                != Some(DUPLICATE_DATABASE) =>
        {
            return Err(error)
        }
        _ => {}
    }
    PgConnection::connect(url).await
}

/// `error`'s text, with the SQLSTATE when the server refused the statement:
/// `error returned from database: <message> (SQLSTATE <code>)`.
fn describe(error: &sqlx::Error) -> String {
    match error.as_database_error().and_then(|db| db.code()) {
        Some(code) => format!("{error} (SQLSTATE {code})"),
        None => error.to_string(),
    }
}

impl Drop for PostgresDb {
    /// Drops the test's schema, on a thread of its own so that it also runs
    /// when a test panics inside the async runtime.
    fn drop(&mut self) {
        let schema = std::mem::take(&mut self.schema);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&pg_url()).await?;
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
