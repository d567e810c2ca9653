//! Rows SQLite holds in another storage class than Spector writes (SQLite
//! keeps whatever it is given): every such row is one typed error naming
//! the event or the row and its column, never an untyped storage error,
//! and `bringup` never imports a row it cannot remove.

use serde::{Deserialize, Serialize};
use spector::sqlite::Sqlite;
use spector::{event_log, Bringup, Changeset, Error, EventMeta, Evented, Id, Invalid, Store};
use spector_tests::documents::{Doc, DocEvents, Relation, Revision};
use spector_tests::records::{Counter, CounterAction, TestEvents};
use spector_tests::TempDatabase;
use uuid::Uuid;

/// A store on a fresh database file, and a raw connection to the same file
/// (foreign keys off) for the rows written by hand.
async fn open() -> (TempDatabase, Store<Sqlite>, rusqlite::Connection) {
    let file = TempDatabase::new("spector-storage-classes");
    let store = Store::new(Sqlite::open(file.path()).await.unwrap());
    let raw = rusqlite::Connection::open(file.path()).unwrap();
    raw.pragma_update(None, "foreign_keys", "OFF").unwrap();
    (file, store, raw)
}

/// `id` as an SQLite blob literal.
fn blob(id: Uuid) -> String {
    format!("X'{}'", id.simple())
}

/// Asserts that `error` is a corrupt event of `table` naming `event_id`,
/// its reason mentioning `column`.
fn assert_corrupt(error: &Error, table: &str, event_id: Uuid, column: &str) {
    match error {
        Error::CorruptEvent {
            table: corrupt_table,
            event_id: corrupt_id,
            reason,
        } => {
            assert_eq!(
                (corrupt_table.as_str(), *corrupt_id),
                (table, event_id),
                "{error}"
            );
            assert!(reason.contains(column), "`{column}` not in: {error}");
        }
        other => panic!("expected a corrupt event naming {column}, got {other:?}"),
    }
}

/// One event of a counter's history stored with one column of another
/// storage class (the other columns as Spector writes them).
struct BadEventRow {
    /// The column the reason must name.
    column: &'static str,
    /// The column's SQL value.
    value: String,
}

/// A second event of a counter, `bad` replacing one of its column values.
fn insert_counter_event(raw: &rusqlite::Connection, counter: Uuid, id: Uuid, bad: &BadEventRow) {
    let now = chrono::Utc::now().timestamp_micros();
    let mut values = [
        ("id", blob(id)),
        ("parent_id", blob(counter)),
        ("payload", "'{}'".to_owned()),
        ("schema", "0".to_owned()),
        ("action", "1".to_owned()),
        ("inserted_at", now.to_string()),
    ];
    for (column, value) in &mut values {
        if *column == bad.column {
            value.clone_from(&bad.value);
        }
    }
    let (columns, values): (Vec<&str>, Vec<String>) = values.into_iter().unzip();
    raw.execute_batch(&format!(
        "INSERT INTO test_events ({}) VALUES ({})",
        columns.join(", "),
        values.join(", ")
    ))
    .unwrap();
}

/// An event row whose `inserted_at`, id, action, schema or payload is of
/// another storage class (or not UTF-8) is a `CorruptEvent` naming the
/// event and the column, for reads and writes alike; an id that is not a
/// UUID names the nil id, one stored as text the id it spells.
#[tokio::test]
async fn an_event_column_of_another_storage_class_is_a_corrupt_event_naming_it() {
    let text_id = Uuid::now_v7();
    let cases = [
        ("inserted_at", "'2020-01-01T00:00:00Z'".to_owned(), None),
        ("inserted_at", "1500000000000000.5".to_owned(), None),
        ("id", format!("'{text_id}'"), Some(text_id)),
        ("id", "X'010203'".to_owned(), Some(Uuid::nil())),
        ("action", "'update'".to_owned(), None),
        ("action", "1099511627776".to_owned(), None),
        ("schema", "'zero'".to_owned(), None),
        ("payload", "X'7B7D'".to_owned(), None),
        ("payload", "CAST(X'FF' AS TEXT)".to_owned(), None),
    ];
    for (column, value, named) in cases {
        let (_file, store, raw) = open().await;
        store.migrate::<TestEvents>().await.unwrap();
        let counter: Counter = store.insert(spector::Attrs::new()).await.unwrap();
        let id = Uuid::now_v7();
        let bad = BadEventRow { column, value };
        insert_counter_event(&raw, counter.id.uuid(), id, &bad);
        let event_id = named.unwrap_or(id);
        let case = format!("{column} = {}", bad.value);
        let errors = [
            store.get(counter.id).await.expect_err(&case),
            store.all_events(counter.id).await.expect_err(&case),
            store
                .execute(counter.id, CounterAction::Increment(spector::Attrs::new()))
                .await
                .expect_err(&case),
            store
                .read_log::<TestEvents>(None, 10)
                .await
                .expect_err(&case),
        ];
        for error in &errors {
            assert_corrupt(error, "test_events", event_id, column);
        }
    }
}

/// A record id stored as text is a corrupt event where the log is read
/// whole and where records are listed.
#[tokio::test]
async fn a_parent_id_of_another_storage_class_is_a_corrupt_event_naming_it() {
    let (_file, store, raw) = open().await;
    store.migrate::<TestEvents>().await.unwrap();
    let id = Uuid::now_v7();
    raw.execute_batch(&format!(
        "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ({}, '{id}', '{{}}', 0, 1, 1)",
        blob(id)
    ))
    .unwrap();
    let error = store.read_log::<TestEvents>(None, 10).await.unwrap_err();
    assert_corrupt(&error, "test_events", id, "parent_id");

    let (_file, store, raw) = open().await;
    store.migrate::<TestEvents>().await.unwrap();
    raw.execute_batch(&format!(
        "INSERT INTO test_events (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ('{id}', '{id}', '{{}}', 0, 1, 1)"
    ))
    .unwrap();
    let error = store.list::<Counter>(None, 10).await.unwrap_err();
    assert_corrupt(&error, "test_events", id, "id");
}

/// A hash of another storage class in a hashed log is a corrupt event
/// naming it, for reads and for the next append (which reads the chain's
/// tail).
#[tokio::test]
async fn a_hash_of_another_storage_class_is_a_corrupt_event_naming_it() {
    let (_file, store, raw) = open().await;
    store.migrate::<DocEvents>().await.unwrap();
    let doc: Doc = store.insert(revision("v1", Vec::new())).await.unwrap();
    let id = Uuid::now_v7();
    let later = chrono::Utc::now().timestamp_micros() + 1_000_000;
    raw.execute_batch(&format!(
        "INSERT INTO doc_events (id, parent_id, payload, schema, action, inserted_at, hash) \
         VALUES ({}, {}, '{{\"text\": \"v2\"}}', 0, 2, {later}, 'not a hash')",
        blob(id),
        blob(doc.id.uuid())
    ))
    .unwrap();
    assert_corrupt(
        &store.get(doc.id).await.unwrap_err(),
        "doc_events",
        id,
        "hash",
    );
    let error = store
        .insert::<Doc>(revision("other", Vec::new()))
        .await
        .unwrap_err();
    assert_corrupt(&error, "doc_events", id, "hash");
}

/// A revision with `text` relating to `relates`.
fn revision(text: &str, relates: Vec<(Relation, Uuid)>) -> Revision {
    Revision {
        text: text.into(),
        relates,
        untyped: false,
    }
}

/// A typed link's kind outside `i32` (2^40) or of text, or a link target
/// stored as text (even 16 bytes of it) or as a blob of another length, is
/// a corrupt event naming the linking event and the link table, for reads
/// with links and writes of the record alike.
#[tokio::test]
async fn a_link_row_that_does_not_decode_is_a_corrupt_event_naming_the_link() {
    for (target, kind) in [
        ("{v1}", "1099511627776"),
        ("'{v1_text}'", "1"),
        ("'sixteen chars!!!'", "1"),
        ("X'0102'", "1"),
        ("{v1}", "'cites'"),
        // Text that would spell a second, well-formed link.
        ("{v1}", "'1,{v1_hex}:1'"),
    ] {
        let (_file, store, raw) = open().await;
        store.migrate::<DocEvents>().await.unwrap();
        let doc: Doc = store.insert(revision("v1", Vec::new())).await.unwrap();
        let v1 = doc.id.uuid();
        let target = target
            .replace("{v1}", &blob(v1))
            .replace("{v1_text}", &v1.to_string());
        let kind = kind.replace("{v1_hex}", &v1.simple().to_string().to_uppercase());
        raw.execute_batch(&format!(
            "INSERT INTO doc_relates (event_id, related_id, type) VALUES ({}, {target}, {kind})",
            blob(v1)
        ))
        .unwrap();
        // `get` reads no links; every read with links and every write does.
        let case = format!("{target}, {kind}");
        let errors = [
            store.all_events(doc.id).await.expect_err(&case),
            store
                .read_log::<DocEvents>(None, 10)
                .await
                .expect_err(&case),
            store
                .update(doc.id, revision("v2", vec![(Relation::Cites, v1)]))
                .await
                .expect_err(&case),
        ];
        for error in &errors {
            assert_corrupt(error, "doc_events", v1, "doc_relates");
        }
    }
}

/// The payload of a person's actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PersonFields {
    /// The name.
    name: String,
    /// The e-mail address.
    #[serde(default)]
    email: Option<String>,
    /// The age.
    #[serde(default)]
    age: i64,
    /// Tags.
    #[serde(default)]
    tags: Vec<String>,
}

/// A person, materialized in `mat_people`.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = PeopleEvents, table = "mat_people", actions(insert = PersonFields, update = PersonFields))]
struct Person {
    /// The record id.
    id: Id<Person>,
    /// The name.
    name: String,
    /// The e-mail address.
    email: Option<String>,
    /// The age.
    age: i64,
    /// Tags, as JSON.
    #[evented(json)]
    tags: Vec<String>,
}

impl Changeset for Person {
    fn changeset(mut self, action: PersonAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (PersonAction::Insert(fields) | PersonAction::Update(fields)) = action;
        self.name = fields.name;
        self.email = fields.email;
        self.age = fields.age;
        self.tags = fields.tags;
        Ok(self)
    }
}

event_log!(PeopleEvents {
    table: "people_events",
    schemas: [Person]
});

/// A legacy table as the issue found it: ids of no declared type (so text
/// and `NULL` are kept as given), every other column nullable.
const LEGACY_PEOPLE: &str =
    "CREATE TABLE mat_people (id BLOB PRIMARY KEY, name TEXT, email TEXT, age INTEGER, tags TEXT)";

/// How many rows `table` has.
fn count(raw: &rusqlite::Connection, table: &str) -> i64 {
    raw.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .unwrap()
}

/// Rows whose ids are UUIDs stored as text (hyphenated, or simple and
/// upper-case) are imported and removed: a second bringup finds nothing.
#[tokio::test]
async fn bringup_imports_and_removes_rows_whose_ids_are_text() {
    let (_file, store, raw) = open().await;
    raw.execute_batch(LEGACY_PEOPLE).unwrap();
    store.migrate::<PeopleEvents>().await.unwrap();
    let hyphenated: Uuid = "0190d1a0-0000-7000-8000-000000000001".parse().unwrap();
    let simple = Uuid::now_v7();
    raw.execute_batch(&format!(
        "INSERT INTO mat_people (id, name, email, age, tags) VALUES \
         ('{hyphenated}', 'Ada', NULL, 36, '[]'), \
         ('{}', 'Grace', 'grace@example.org', 45, '[\"navy\"]')",
        simple.simple().to_string().to_uppercase()
    ))
    .unwrap();

    let imported = store.bringup(Bringup::<Person>::new()).await.unwrap();
    let names: Vec<&str> = imported.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Ada", "Grace"], "in the order of the old ids");
    assert_eq!(count(&raw, "mat_people"), 2, "the old rows are gone");
    let text_ids: i64 = raw
        .query_row(
            "SELECT count(*) FROM mat_people WHERE typeof(id) <> 'blob'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(text_ids, 0);
    assert!(store
        .bringup(Bringup::<Person>::new())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(count(&raw, "people_events"), 2);
    assert_eq!(
        store.get(imported[1].id).await.unwrap(),
        Some(imported[1].clone())
    );
}

/// A legacy value that is not its column's kind (text in an integer
/// column, a blob name, tags that are not JSON, an id that is not a UUID)
/// refuses the bringup naming the row and the column; nothing is written.
#[tokio::test]
async fn bringup_of_a_value_of_another_kind_names_the_row_and_the_column() {
    let (_file, store, raw) = open().await;
    raw.execute_batch(LEGACY_PEOPLE).unwrap();
    store.migrate::<PeopleEvents>().await.unwrap();
    let good = Uuid::now_v7();
    raw.execute_batch(&format!(
        "INSERT INTO mat_people (id, name, age, tags) VALUES ({}, 'Good', 1, '[]')",
        blob(good)
    ))
    .unwrap();
    let id = Uuid::now_v7();
    let cases = [
        (
            "age",
            format!("({}, 'Old', 'old', '[]')", blob(id)),
            id,
            "TEXT",
        ),
        (
            "name",
            format!("({}, X'00', 1, '[]')", blob(id)),
            id,
            "BLOB",
        ),
        (
            "tags",
            format!("({}, 'Tags', 1, 'not json')", blob(id)),
            id,
            "JSON",
        ),
        (
            "id",
            "(X'010203', 'Short', 1, '[]')".to_owned(),
            Uuid::nil(),
            "x'010203'",
        ),
        (
            "id",
            "(42, 'Number', 1, '[]')".to_owned(),
            Uuid::nil(),
            "INTEGER",
        ),
    ];
    for (column, row, row_id, shown) in cases {
        raw.execute_batch(&format!(
            "INSERT INTO mat_people (id, name, age, tags) VALUES {row}"
        ))
        .unwrap();
        let error = store.bringup(Bringup::<Person>::new()).await.unwrap_err();
        match &error {
            Error::Bringup {
                table,
                row_id: refused,
                source,
                ..
            } => {
                assert_eq!(
                    (table.as_str(), *refused),
                    ("mat_people", row_id),
                    "{error}"
                );
                let invalid = source.as_invalid().expect("the column is named");
                assert_eq!(invalid.errors().keys().collect::<Vec<_>>(), [column]);
                assert!(error.to_string().contains(shown), "{shown} not in: {error}");
            }
            other => panic!("expected a bringup error naming {column}, got {other:?}"),
        }
        assert_eq!(count(&raw, "mat_people"), 2, "nothing imported");
        assert_eq!(count(&raw, "people_events"), 0, "nothing appended");
        raw.execute_batch(&format!(
            "DELETE FROM mat_people WHERE id IS NOT {}",
            blob(good)
        ))
        .unwrap();
    }
}

/// A legacy row whose text id spells the id of a tracked record is
/// imported as any other: its own row is removed, the tracked record's row
/// is left alone.
#[tokio::test]
async fn bringup_of_a_text_id_spelling_a_tracked_record_leaves_that_record_s_row() {
    let (_file, store, raw) = open().await;
    store.migrate::<PeopleEvents>().await.unwrap();
    let tracked: Person = store
        .insert(PersonFields {
            name: "Tracked".into(),
            email: None,
            age: 1,
            tags: Vec::new(),
        })
        .await
        .unwrap();
    raw.execute_batch(&format!(
        "INSERT INTO mat_people (id, name, age, tags) VALUES ('{}', 'Copy', 2, '[]')",
        tracked.id.uuid()
    ))
    .unwrap();

    let imported = store.bringup(Bringup::<Person>::new()).await.unwrap();
    assert_eq!(imported.len(), 1);
    let names: Vec<String> = raw
        .prepare("SELECT name FROM mat_people ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(names, ["Copy", "Tracked"], "the tracked row stays");
    let tracked_rows: i64 = raw
        .query_row(
            &format!(
                "SELECT count(*) FROM mat_people WHERE id = {}",
                blob(tracked.id.uuid())
            ),
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(tracked_rows, 1);
}
