//! Migrations shipped by the backend.

use std::sync::Arc;

use serde_json::{json, Value as Json};
use spector::{Error, EventLog, Id, Store};
use spector_examples::basic_chat::BasicChatEvents;

use crate::db::TestDb;
use crate::pages::{Citing, CitingPage, CitingPageLink, CitingPages, PageV0, PagesV0, Titled};
use crate::tickets::{
    TicketFields, TicketV0, TicketV1, TicketV2, TicketV3, TicketsV0, TicketsV1, TicketsV2,
    TicketsV3, DEFAULT_DUE,
};

/// `migrate` can run again on a migrated database; `migrate_down` removes
/// every table, index, trigger and function that `migrate` created.
pub async fn migrate_is_idempotent_and_down_drops_everything<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    assert!(db.schema_objects().await.is_empty());
    store.migrate::<BasicChatEvents>().await.unwrap();
    let created = db.schema_objects().await;
    for expected in ["table basic_chat_events", "table basic_chat_edits"] {
        assert!(created.iter().any(|o| o == expected), "{created:?}");
    }
    assert!(
        created
            .iter()
            .any(|o| o.starts_with("trigger basic_chat_edits")),
        "{created:?}"
    );
    store.migrate::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, created);

    store.migrate_down::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, Vec::<String>::new());
    store.migrate_down::<BasicChatEvents>().await.unwrap();

    store.migrate::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, created);
    assert_eq!(db.count_rows("basic_chat_events").await, 0);
}

/// Six migrations at once all succeed and create the log once.
pub async fn concurrent_migrations_all_succeed<D: TestDb>() {
    let db = Arc::new(D::create().await);
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let db = Arc::clone(&db);
            tokio::spawn(async move { db.store().migrate::<BasicChatEvents>().await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task finished").unwrap();
    }
    let after_concurrent = db.schema_objects().await;
    let store: &Store<D::Storage> = db.store();
    store.migrate_down::<BasicChatEvents>().await.unwrap();
    store.migrate::<BasicChatEvents>().await.unwrap();
    assert_eq!(db.schema_objects().await, after_concurrent);
}

/// A link declared by a later release over an existing log: `migrate`
/// adds its table (the events already there untouched), links are written
/// and read, and the backend's `migration::link_down` drops the table
/// again, leaving the events readable.
pub async fn a_link_table_added_later_and_dropped_again<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<PagesV0>().await.unwrap();
    let old: PageV0 = store
        .insert(Titled {
            title: "old".into(),
        })
        .await
        .unwrap();
    assert!(!db.table_exists("pages_cites").await);

    store.migrate::<CitingPages>().await.unwrap();
    assert!(
        db.table_exists("pages_cites").await,
        "migrate adds the link table"
    );
    let id = Id::<CitingPage>::new(old.id.uuid());
    store
        .update(
            id,
            Citing {
                title: "cites itself".into(),
                cites: vec![old.id.uuid()],
            },
        )
        .await
        .unwrap();
    let citing = store
        .linking_to(CitingPageLink::Cites, old.id.uuid())
        .await
        .unwrap();
    assert_eq!(citing.len(), 1);

    db.drop_link(CitingPages::spec().unwrap(), "cites")
        .await
        .unwrap();
    assert!(!db.table_exists("pages_cites").await, "its down drops it");
    assert_eq!(db.count_rows("pages_events").await, 2, "the events stay");
    let page = store.get(id).await.unwrap().unwrap();
    assert_eq!(page.title, "cites itself");
}

/// The fields of a ticket called `title`, due on day `due`.
fn ticket(title: &str, priority: Option<i32>, due: i64) -> TicketFields {
    TicketFields {
        title: title.into(),
        priority,
        due,
        note: None,
    }
}

/// The rows of `tickets`, ordered by title, every column as JSON.
async fn ticket_rows<D: TestDb>(db: &D) -> Vec<Json> {
    db.select_json("SELECT * FROM tickets ORDER BY title", &[], &[])
        .await
}

/// The columns of the first row of `tickets`, sorted.
async fn ticket_columns<D: TestDb>(db: &D) -> Vec<String> {
    let rows = ticket_rows(db).await;
    let mut columns: Vec<String> = rows[0]
        .as_object()
        .expect("a row is an object")
        .keys()
        .cloned()
        .collect();
    columns.sort();
    columns
}

/// A nullable field added to a materialized type: `migrate` adds its
/// column (the rows already there hold `NULL`), again and again without
/// harm, and writes of the new release fill it.
pub async fn a_field_added_to_a_materialized_type_gets_its_column<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TicketsV0>().await.unwrap();
    let old: TicketV0 = store.insert(ticket("old", None, 0)).await.unwrap();

    store.migrate::<TicketsV1>().await.unwrap();
    store.migrate::<TicketsV1>().await.unwrap();
    assert_eq!(
        ticket_rows(&db).await,
        [json!({"id": old.id.uuid().to_string(), "title": "old", "priority": null})]
    );
    let new: TicketV1 = store.insert(ticket("new", Some(3), 0)).await.unwrap();
    let old = store
        .update(
            Id::<TicketV1>::new(old.id.uuid()),
            ticket("old", Some(1), 0),
        )
        .await
        .unwrap();
    assert_eq!(
        ticket_rows(&db).await,
        [
            json!({"id": new.id.uuid().to_string(), "title": "new", "priority": 3}),
            json!({"id": old.id.uuid().to_string(), "title": "old", "priority": 1}),
        ]
    );
    assert_eq!(store.get(old.id).await.unwrap(), Some(old));
}

/// A required field added to a materialized type whose table has rows:
/// `migrate` adds its column with the value the field has in the record
/// type's default state (`due` 30), which the rows already there take
/// until their record's next write, and writes of the new release fill it.
pub async fn a_required_field_on_a_table_with_rows_takes_the_type_default<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TicketsV0>().await.unwrap();
    let old: TicketV0 = store.insert(ticket("old", None, 0)).await.unwrap();

    store.migrate::<TicketsV2>().await.unwrap();
    assert_eq!(
        ticket_rows(&db).await,
        [
            json!({"id": old.id.uuid().to_string(), "title": "old", "priority": null, "due": DEFAULT_DUE, "note": null})
        ]
    );
    let new: TicketV2 = store.insert(ticket("new", Some(2), 7)).await.unwrap();
    let old = store
        .update(Id::<TicketV2>::new(old.id.uuid()), ticket("old", None, 12))
        .await
        .unwrap();
    assert_eq!(
        ticket_rows(&db).await,
        [
            json!({"id": new.id.uuid().to_string(), "title": "new", "priority": 2, "due": 7, "note": null}),
            json!({"id": old.id.uuid().to_string(), "title": "old", "priority": null, "due": 12, "note": null}),
        ]
    );
}

/// A required field whose default no SQL literal holds (NaN), on a table
/// with rows: `migrate` refuses with the exact statement to run (the
/// kind's zero as `DEFAULT`) and changes nothing, not even the nullable
/// column of the same release; once the statement has run, `migrate` adds
/// the rest and writes work.
pub async fn a_required_field_without_a_default_needs_the_given_statement<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TicketsV0>().await.unwrap();
    let old: TicketV0 = store.insert(ticket("old", None, 0)).await.unwrap();

    let error = store.migrate::<TicketsV3>().await.unwrap_err();
    let Error::MigrationNeeded { table, statements } = &error else {
        panic!("expected MigrationNeeded, got {error:?}");
    };
    assert_eq!(table, "tickets");
    assert_eq!(statements.len(), 1, "{statements:?}");
    let statement = &statements[0];
    assert!(
        statement.starts_with("ALTER TABLE tickets ADD COLUMN weight ")
            && (statement.ends_with(" NOT NULL DEFAULT 0")
                || statement.ends_with(" NOT NULL DEFAULT 0.0")),
        "{statement}"
    );
    assert!(error.to_string().contains(statement.as_str()), "{error}");
    assert_eq!(
        ticket_columns(&db).await,
        ["id", "title"],
        "nothing changed"
    );

    db.execute_sql(statement).await.unwrap();
    store.migrate::<TicketsV3>().await.unwrap();
    assert_eq!(ticket_columns(&db).await, ["id", "title", "weight"]);
    let old = Id::<TicketV3>::new(old.id.uuid());
    store.update(old, ticket("old", None, 9)).await.unwrap();
    assert_eq!(ticket_rows(&db).await[0]["weight"], 9.0);
}

/// A required field added to a materialized type whose table has no rows
/// is added like any other: no row needs a value.
pub async fn a_required_field_on_a_table_without_rows_is_added<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<TicketsV0>().await.unwrap();
    store.migrate::<TicketsV2>().await.unwrap();
    let first: TicketV2 = store.insert(ticket("first", None, 4)).await.unwrap();
    assert_eq!(
        ticket_rows(&db).await,
        [
            json!({"id": first.id.uuid().to_string(), "title": "first", "priority": null, "due": 4, "note": null})
        ]
    );
}

/// Six migrations of a release that adds columns (nullable and required
/// with its default), at once, while the table has rows, all succeed and
/// add each column once; then the three refused migrations of a column
/// without a default, at once, all refuse and change nothing.
pub async fn concurrent_migrations_add_a_new_column_once<D: TestDb>() {
    let db = Arc::new(D::create().await);
    db.store().migrate::<TicketsV0>().await.unwrap();
    let old: TicketV0 = db.store().insert(ticket("old", None, 0)).await.unwrap();
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let db = Arc::clone(&db);
            tokio::spawn(async move { db.store().migrate::<TicketsV2>().await })
        })
        .collect();
    for task in tasks {
        task.await.expect("task finished").unwrap();
    }
    let store: &Store<D::Storage> = db.store();
    store
        .update(
            Id::<TicketV2>::new(old.id.uuid()),
            ticket("old", Some(5), 3),
        )
        .await
        .unwrap();
    assert_eq!(
        ticket_columns(&*db).await,
        ["due", "id", "note", "priority", "title"]
    );
    assert_eq!(ticket_rows(&*db).await[0]["priority"], 5);
    assert_eq!(ticket_rows(&*db).await[0]["due"], 3);

    let refused: Vec<_> = (0..3)
        .map(|_| {
            let db = Arc::clone(&db);
            tokio::spawn(async move { db.store().migrate::<TicketsV3>().await })
        })
        .collect();
    for task in refused {
        let error = task.await.expect("task finished").unwrap_err();
        assert!(matches!(error, Error::MigrationNeeded { .. }), "{error:?}");
    }
    assert_eq!(
        ticket_columns(&*db).await,
        ["due", "id", "note", "priority", "title"]
    );
}
