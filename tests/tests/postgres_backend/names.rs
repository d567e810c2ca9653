//! Logs whose derived object names PostgreSQL would truncate are refused
//! before any DDL runs.

use spector::{event_log, Changeset, Error, EventMeta, Evented, Id, Invalid};
use sqlx::AssertSqlSafe;

use spector_tests::{PostgresDb, TestDb};

/// A record stored in a log whose table name is 60 bytes long.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = LongNamedEvents)]
struct Long {
    id: Id<Long>,
}

impl Changeset for Long {
    fn changeset(self, _action: LongAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        Ok(self)
    }
}

event_log!(LongNamedEvents {
    table: "a_table_name_that_is_exactly_sixty_bytes_long_xxxxxxx_events",
    schemas: [Long],
});

#[tokio::test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn log_with_too_long_derived_names_is_refused_before_any_ddl() {
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
