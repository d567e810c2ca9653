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
