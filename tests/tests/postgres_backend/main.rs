//! The PostgreSQL backend's own concerns against a live server, beyond the
//! conformance suite: opening it from a URL, per-record advisory locks, and
//! object names that PostgreSQL would truncate. Each test has a schema of its own
//! (`spector_tests::PostgresDb`); built with `SPECTOR_SKIP_POSTGRES=1` they
//! are ignored, as the suite is.

use spector_tests::postgres_db::pg_url;
use sqlx::{Connection, PgConnection};

mod connect;
mod elixir;
mod locks;
mod names;
mod sessions;

/// A session of its own on the test server (already reached by
/// `PostgresDb::create`).
async fn connect_raw() -> PgConnection {
    PgConnection::connect(&pg_url())
        .await
        .expect("connect to the test server")
}
