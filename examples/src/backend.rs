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

/// The database URL: `SPECTOR_DATABASE_URL`, or [`DEFAULT_URL`].
pub fn database_url() -> String {
    std::env::var("SPECTOR_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}
