//! Logs whose derived object names PostgreSQL would truncate are refused
//! before any DDL runs.

use spector::{event_log, Attrs, Changeset, Error, Evented, Invalid};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use spector_tests::{PostgresDb, TestDb};

use crate::skip_if_opted_out;

/// A record stored in a log whose table name is 60 bytes long.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = LongNamedEvents)]
struct Long {
    id: Uuid,
}

impl Changeset for Long {
    fn changeset(self, _action: LongAction, _attrs: &Attrs) -> Result<Self, Invalid> {
        Ok(self)
    }
}

event_log!(LongNamedEvents {
    table: "a_table_name_that_is_exactly_sixty_bytes_long_xxxxxxx_events",
    schemas: [Long],
});

#[tokio::test]
async fn log_with_too_long_derived_names_is_refused_before_any_ddl() {
    skip_if_opted_out!();
    let db = PostgresDb::create().await;
    let store = db.store();
    let table = "a_table_name_that_is_exactly_sixty_bytes_long_xxxxxxx_events";
    assert_eq!(table.len(), 60);

    for result in [
        store.migrate::<LongNamedEvents>().await,
        store.migrate_down::<LongNamedEvents>().await,
    ] {
        let error = result.unwrap_err();
        assert!(
            matches!(&error, Error::InvalidLog { table: refused, reason }
                if refused == table && reason.contains("truncates names to 63 bytes")),
            "{error}"
        );
    }

    let objects: i64 = sqlx::query_scalar(AssertSqlSafe(
        "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace",
    ))
    .fetch_one(store.backend().pool())
    .await
    .unwrap();
    assert_eq!(objects, 0, "DDL ran for a refused log");
}
