//! The PostgreSQL backend's own concerns against a live server, beyond the
//! conformance suite: per-record advisory locks, and object names that
//! PostgreSQL would truncate. Each test has a schema of its own
//! (`spector_tests::PostgresDb`); `SPECTOR_SKIP_POSTGRES=1` skips them, as it does the
//! suite.

use spector_tests::postgres_db::pg_url;
use sqlx::{Connection, PgConnection};

mod locks;
mod names;

/// Returns from the calling test, saying why, when the user opted out of
/// the PostgreSQL tests.
macro_rules! skip_if_opted_out {
    () => {
        if let Some(reason) = <spector_tests::PostgresDb as spector_tests::TestDb>::skip_reason() {
            eprintln!("skipped: {reason}");
            return;
        }
    };
}
pub(crate) use skip_if_opted_out;

/// A session of its own on the test server (already reached by
/// `PostgresDb::create`).
async fn connect_raw() -> PgConnection {
    PgConnection::connect(&pg_url())
        .await
        .expect("connect to the test server")
}
