//! The backend the example apps run on, chosen by cargo feature.

/// The SQLite backend (feature `sqlite`, the default).
#[cfg(not(feature = "postgres"))]
pub type Backend = spector::sqlite::Sqlite;

/// The PostgreSQL backend (feature `postgres`).
#[cfg(feature = "postgres")]
pub type Backend = spector::postgres::Postgres;

/// Where the examples connect when `SPECTOR_DATABASE_URL` is not set.
#[cfg(not(feature = "postgres"))]
pub const DEFAULT_URL: &str = "sqlite::memory:";

/// Where the examples connect when `SPECTOR_DATABASE_URL` is not set.
#[cfg(feature = "postgres")]
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// Prints Spector's traces to stderr as `RUST_LOG` asks (for instance
/// `RUST_LOG=spector=debug`: one span per store operation, with the log,
/// record type, record, action and event ids, and lock waits); nothing when
/// it is not set.
pub fn trace_from_env() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .init();
}

/// The database URL: `SPECTOR_DATABASE_URL`, or [`DEFAULT_URL`].
pub fn database_url() -> String {
    std::env::var("SPECTOR_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// The query of the users example, in plain SQL that both backends run:
/// each row of the read model `users` beside the number of its events.
pub const USERS_WITH_EVENTS: &str = "SELECT u.name, u.email, u.archived, count(e.id) \
     FROM users u JOIN users_events e ON e.parent_id = u.id \
     GROUP BY u.id, u.name, u.email, u.archived ORDER BY u.name";

/// One row of [`USERS_WITH_EVENTS`].
pub type UserRow = (String, String, Option<String>, i64);

/// Runs [`USERS_WITH_EVENTS`] on the store's own connection.
///
/// # Errors
///
/// [`spector::Error::Storage`] when the query fails.
#[cfg(not(feature = "postgres"))]
pub async fn users_with_events(store: &spector::Store<Backend>) -> spector::Result<Vec<UserRow>> {
    store
        .backend()
        .with_connection(|conn| {
            let mut statement = conn
                .prepare(USERS_WITH_EVENTS)
                .map_err(spector::Error::storage)?;
            let rows = statement
                .query_map([], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
                })
                .map_err(spector::Error::storage)?;
            rows.collect::<Result<Vec<UserRow>, _>>()
                .map_err(spector::Error::storage)
        })
        .await
}

/// Runs [`USERS_WITH_EVENTS`] on the store's pool.
///
/// # Errors
///
/// [`spector::Error::Storage`] when the query fails.
#[cfg(feature = "postgres")]
pub async fn users_with_events(store: &spector::Store<Backend>) -> spector::Result<Vec<UserRow>> {
    sqlx::query_as(USERS_WITH_EVENTS)
        .fetch_all(store.backend().pool())
        .await
        .map_err(spector::Error::storage)
}

/// Runs one SQL statement of the example's own on the store's connection.
///
/// # Errors
///
/// [`spector::Error::Storage`] when the statement fails.
#[cfg(not(feature = "postgres"))]
pub async fn execute(store: &spector::Store<Backend>, sql: &'static str) -> spector::Result<()> {
    store
        .backend()
        .with_connection(move |conn| conn.execute_batch(sql).map_err(spector::Error::storage))
        .await
}

/// Runs one SQL statement of the example's own on the store's pool.
///
/// # Errors
///
/// [`spector::Error::Storage`] when the statement fails.
#[cfg(feature = "postgres")]
pub async fn execute(store: &spector::Store<Backend>, sql: &'static str) -> spector::Result<()> {
    sqlx::raw_sql(sql)
        .execute(store.backend().pool())
        .await
        .map(drop)
        .map_err(spector::Error::storage)
}
