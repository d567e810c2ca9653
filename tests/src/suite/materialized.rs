//! Materialized tables: the row follows every write in its transaction,
//! a refused row rolls the event back, `materialize` rebuilds a row, and
//! `bringup` imports rows that have no events.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{json, Value as Json};
use spector::{Bringup, ChainCheck, Error, Id, Row, Store, Uuid};

use crate::db::TestDb;
use crate::members::{
    ClubEvents, Imported, Label, Member, MemberAction, MemberFields, Profile, Stamp, StampEvents,
};

/// The columns of `members` the tests read back.
const COLUMNS: &str = "id, name, email, age, score, active, joined, changed, tags, profile";

/// The rows of `members`, ordered by name.
async fn rows<D: TestDb>(db: &D) -> Vec<Json> {
    db.select_json(
        &format!("SELECT {COLUMNS} FROM members ORDER BY name"),
        &["active"],
        &["tags", "profile"],
    )
    .await
}

/// The row of member `id`, if any.
async fn row_of<D: TestDb>(db: &D, id: Id<Member>) -> Option<Json> {
    rows(db)
        .await
        .into_iter()
        .find(|row| row["id"] == json!(id.uuid().to_string()))
}

/// A time a row holds (RFC 3339 text on both backends).
fn time(value: &Json) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().expect("a time as text"))
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}

/// An unremarkable member.
fn fields(name: &str) -> MemberFields {
    MemberFields {
        name: name.into(),
        ..MemberFields::default()
    }
}

/// Insert, update, a custom action and delete each write the row in the
/// event's transaction, every column kind mapped; the row holds what
/// `prepare_materialization` made of the state, the write returns the
/// replayed state, and a savepoint-free type's `get` equals it.
pub async fn the_row_follows_every_write<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<ClubEvents>().await.unwrap();

    let ada: Member = store
        .insert(MemberFields {
            name: "Ada".into(),
            email: Some("ada@example.org".into()),
            age: 36,
            score: 2.5,
            tags: vec!["maths".into(), "engines".into()],
            profile: Some(Profile {
                city: "London".into(),
                languages: vec!["en".into(), "fr".into()],
            }),
            unlisted: false,
        })
        .await
        .unwrap();
    assert_eq!(ada.name, "Ada", "the write returns the state, not the row");
    assert_eq!(store.get(ada.id).await.unwrap().as_ref(), Some(&ada));
    let row = row_of(&db, ada.id).await.expect("inserted with the event");
    assert_eq!(row["name"], "ADA", "prepare_materialization shaped the row");
    assert_eq!(row["email"], "ada@example.org");
    assert_eq!(row["age"], 36);
    assert_eq!(row["score"], 2.5);
    assert_eq!(row["active"], true);
    assert_eq!(time(&row["joined"]), ada.joined);
    assert_eq!(row["changed"], Json::Null);
    assert_eq!(row["tags"], json!(["maths", "engines"]));
    assert_eq!(
        row["profile"],
        json!({"city": "London", "languages": ["en", "fr"]})
    );

    let ada = store
        .update(
            ada.id,
            MemberFields {
                name: "Ada Lovelace".into(),
                ..fields("")
            },
        )
        .await
        .unwrap();
    let row = row_of(&db, ada.id).await.unwrap();
    assert_eq!(row["name"], "ADA LOVELACE");
    assert_eq!(row["email"], Json::Null, "an empty Option is NULL");
    assert_eq!(row["profile"], Json::Null);
    assert_eq!(row["tags"], json!([]));
    assert_eq!(time(&row["changed"]), ada.changed.unwrap());

    let ada = store
        .execute(ada.id, MemberAction::Archive(spector::Attrs::new()))
        .await
        .unwrap();
    assert!(!ada.active);
    assert_eq!(row_of(&db, ada.id).await.unwrap()["active"], false);

    let grace: Member = store.insert(fields("Grace")).await.unwrap();
    store.delete(ada.id).await.unwrap();
    assert_eq!(
        row_of(&db, ada.id).await,
        None,
        "the delete removes the row"
    );
    assert_eq!(rows(&db).await.len(), 1);
    assert!(row_of(&db, grace.id).await.is_some());
    assert_eq!(store.all_events(ada.id).await.unwrap().len(), 4);
}

/// A row the table refuses (a `NOT NULL` column the state leaves empty)
/// rolls the event back; so does a `prepare_materialization` refusal.
pub async fn a_refused_row_rolls_the_event_back<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    // The user's own DDL, stricter than the derived one: e-mail required.
    db.execute_sql(&members_ddl::<D>(
        "CREATE TABLE members (id BLOB PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, \
         age INTEGER NOT NULL, score REAL NOT NULL, active BOOLEAN NOT NULL, \
         joined TEXT NOT NULL, changed TEXT, tags TEXT NOT NULL, profile TEXT)",
    ))
    .await
    .unwrap();
    store.migrate::<ClubEvents>().await.unwrap();

    let error = store.insert::<Member>(fields("Nobody")).await.unwrap_err();
    assert!(
        matches!(&error, Error::RowRefused { table, reason, .. }
            if table == "members" && reason.to_lowercase().contains("null")),
        "{error}"
    );
    assert_eq!(
        db.count_rows("club_events").await,
        0,
        "the event rolled back"
    );
    assert_eq!(db.count_rows("members").await, 0);

    let kept: Member = store
        .insert(MemberFields {
            email: Some("kept@example.org".into()),
            ..fields("Kept")
        })
        .await
        .unwrap();
    let error = store
        .update(
            kept.id,
            MemberFields {
                email: None,
                ..fields("Kept")
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::RowRefused { .. }), "{error}");
    assert_eq!(store.all_events(kept.id).await.unwrap().len(), 1);
    assert_eq!(
        row_of(&db, kept.id).await.unwrap()["email"],
        "kept@example.org"
    );

    let error = store
        .insert::<Member>(MemberFields {
            email: Some("x@example.org".into()),
            unlisted: true,
            ..fields("Hidden")
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Invalid(invalid) if invalid.to_string().contains("unlisted")),
        "{error}"
    );
    assert_eq!(db.count_rows("club_events").await, 1);
    assert_eq!(db.count_rows("members").await, 1);
}

/// The SQL type of a UUID column in `D`'s database.
fn blob_or_uuid<D: TestDb>() -> &'static str {
    if std::any::type_name::<D>().contains("Postgres") {
        "uuid"
    } else {
        "BLOB"
    }
}

/// A `members` table written in SQLite's types, in `D`'s types.
fn members_ddl<D: TestDb>(sql: &str) -> String {
    sql.replace("BLOB", blob_or_uuid::<D>())
        .replace("joined TEXT", &format!("joined {}", time_type::<D>()))
        .replace("changed TEXT", &format!("changed {}", time_type::<D>()))
        .replace("tags TEXT", &format!("tags {}", json_type::<D>()))
        .replace("profile TEXT", &format!("profile {}", json_type::<D>()))
        .replace("score REAL", "score DOUBLE PRECISION")
}

/// The SQL type of a time column in `D`'s database.
fn time_type<D: TestDb>() -> &'static str {
    if std::any::type_name::<D>().contains("Postgres") {
        "timestamptz"
    } else {
        "TEXT"
    }
}

/// The SQL type of a JSON column in `D`'s database.
fn json_type<D: TestDb>() -> &'static str {
    if std::any::type_name::<D>().contains("Postgres") {
        "jsonb"
    } else {
        "TEXT"
    }
}

/// `materialize` rebuilds a lost row from the events (through
/// `prepare_materialization`) and writes no event; it refuses a row that
/// is there, a record without events and a deleted record, each with its
/// own error.
pub async fn materialize_rebuilds_a_row_with_distinct_errors<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<ClubEvents>().await.unwrap();
    let ada: Member = store.insert(fields("Ada")).await.unwrap();
    let ada = store
        .update(
            ada.id,
            MemberFields {
                age: 36,
                ..fields("Ada L")
            },
        )
        .await
        .unwrap();
    let expected = row_of(&db, ada.id).await.unwrap();
    db.execute_sql("DELETE FROM members").await.unwrap();

    let rebuilt = store.materialize(ada.id).await.unwrap();
    assert_eq!(rebuilt, ada);
    assert_eq!(row_of(&db, ada.id).await, Some(expected));
    assert_eq!(store.all_events(ada.id).await.unwrap().len(), 2, "no event");

    let error = store.materialize(ada.id).await.unwrap_err();
    assert!(
        matches!(&error, Error::RowExists { id, table, .. } if *id == ada.id.uuid() && table == "members"),
        "{error}"
    );
    let unknown = Id::<Member>::new(Uuid::now_v7());
    let error = store.materialize(unknown).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error}");
    store.delete(ada.id).await.unwrap();
    let error = store.materialize(ada.id).await.unwrap_err();
    assert!(matches!(error, Error::Deleted { .. }), "{error}");
    assert_eq!(db.count_rows("members").await, 0);
}

/// Inserts `count` legacy rows (no events) named `legacy-0000` …, joined
/// a day apart from 2020-01-01.
async fn legacy_rows<D: TestDb>(db: &D, count: usize) -> Vec<(Uuid, DateTime<Utc>)> {
    let start = DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let mut made = Vec::with_capacity(count);
    let mut values = Vec::with_capacity(count);
    for n in 0..count {
        let id = Uuid::now_v7();
        let joined = start + TimeDelta::days(n as i64);
        let id_sql = db.id_sql(id);
        let joined_text = joined.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let truth = db.bool_sql(true);
        values.push(format!(
            "({id_sql}, 'legacy-{n:04}', NULL, {n}, 0.5, {truth}, '{joined_text}', NULL, '[]', NULL)"
        ));
        made.push((id, joined));
    }
    for chunk in values.chunks(250) {
        db.execute_sql(&format!(
            "INSERT INTO members ({COLUMNS}) VALUES {}",
            chunk.join(", ")
        ))
        .await
        .unwrap();
    }
    made
}

/// The action that imports a legacy row keeping its join time, and that
/// fails on the row named `fail_on`.
fn import(fail_on: Option<&'static str>) -> Bringup<Member> {
    Bringup::with_action(move |row: &Row| {
        let attrs = row.to_attrs();
        let name: String = attrs.fetch("name")?;
        if Some(name.as_str()) == fail_on {
            return Err(spector::Invalid::new("name", "refused on purpose"));
        }
        Ok(MemberAction::Import(Imported {
            name,
            joined: attrs.fetch("joined")?,
        }))
    })
}

/// 1,000 untracked rows are imported in one transaction: each becomes a
/// record with one `import` event and a new row keeping its join time, the
/// old row gone, the tracked record untouched; a failure on the 500th row
/// leaves table and log as they were, naming that row.
pub async fn bringup_imports_untracked_rows_in_one_transaction<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<ClubEvents>().await.unwrap();
    let tracked: Member = store.insert(fields("tracked")).await.unwrap();
    let legacy = legacy_rows(&db, 1000).await;

    let error = store
        .bringup(import(Some("legacy-0499")))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Bringup { row_id, table, .. }
            if *row_id == legacy[499].0 && table == "members"),
        "{error}"
    );
    assert!(error.to_string().contains("refused on purpose"), "{error}");
    assert_eq!(db.count_rows("members").await, 1001, "nothing imported");
    assert_eq!(db.count_rows("club_events").await, 1, "nothing appended");

    // A transfer that refuses the last row refuses the whole bringup.
    let last = legacy[999].0;
    let refusing = import(None).transfer(move |old: &Row, _new: &Member| {
        if old.id() == Some(last) {
            return Err(spector::Invalid::new("id", "cannot repoint it"));
        }
        Ok(())
    });
    let error = store.bringup(refusing).await.unwrap_err();
    assert!(
        matches!(&error, Error::Bringup { row_id, .. } if *row_id == last),
        "{error}"
    );
    assert_eq!(db.count_rows("club_events").await, 1, "nothing appended");

    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mapping = seen.clone();
    let bringup = import(None).transfer(move |old: &Row, new: &Member| {
        mapping.lock().unwrap().push((old.id(), new.id));
        Ok(())
    });
    let imported = store.bringup(bringup).await.unwrap();
    assert_eq!(imported.len(), 1000);
    let seen = seen.lock().unwrap().clone();
    let expected: Vec<_> = legacy
        .iter()
        .zip(&imported)
        .map(|((old, _), new)| (Some(*old), new.id))
        .collect();
    assert_eq!(
        seen, expected,
        "transfer saw each old row with its new record"
    );
    assert_eq!(db.count_rows("members").await, 1001);
    assert_eq!(db.count_rows("club_events").await, 1001);
    for ((old_id, joined), member) in legacy.iter().zip(&imported) {
        assert_ne!(*old_id, member.id.uuid());
        assert_eq!(member.joined, *joined, "the original time is kept");
        let events = store.all_events(member.id).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action_name::<Member>(), Some("import"));
    }
    let stored = rows(&db).await;
    assert!(stored
        .iter()
        .all(|row| row["id"] != json!(legacy[0].0.to_string())));
    let first = row_of(&db, imported[0].id).await.unwrap();
    assert_eq!(first["name"], "LEGACY-0000");
    assert_eq!(time(&first["joined"]), legacy[0].1);
    assert_eq!(row_of(&db, tracked.id).await.unwrap()["name"], "TRACKED");

    let again = store.bringup(import(None)).await.unwrap();
    assert!(again.is_empty(), "every row is tracked now");
}

/// The default bringup inserts each row with its columns as the insert
/// payload (the id left out).
pub async fn default_bringup_inserts_each_row<D: TestDb>() {
    let db = D::create().await;
    let store: &Store<D::Storage> = db.store();
    store.migrate::<ClubEvents>().await.unwrap();
    db.execute_sql(&format!(
        "INSERT INTO members (id, name, email, age, score, active, joined, tags) \
         VALUES ({}, 'Old', 'old@example.org', 70, 1.5, {}, '2001-02-03T04:05:06Z', '[\"a\"]')",
        db.id_sql(Uuid::now_v7()),
        db.bool_sql(true),
    ))
    .await
    .unwrap();
    let bringup = Bringup::<Member>::with_action(|row: &Row| {
        let mut attrs = row.to_attrs();
        for column in ["id", "active", "joined", "changed"] {
            attrs.remove(column);
        }
        Ok(MemberAction::Insert(attrs.into_decoded()?))
    });
    let imported = store.bringup(bringup).await.unwrap();
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].email.as_deref(), Some("old@example.org"));
    assert_eq!(imported[0].age, 70);
    assert_eq!(imported[0].tags, ["a"]);

    // Bringup::new() decodes every column but the id: `joined` and
    // `active` are not insert fields, so the payload type refuses them.
    db.execute_sql(&format!(
        "INSERT INTO members (id, name, age, score, active, joined, tags) \
         VALUES ({}, 'Older', 1, 0, {}, '2001-02-03T04:05:06Z', '[]')",
        db.id_sql(Uuid::now_v7()),
        db.bool_sql(true),
    ))
    .await
    .unwrap();
    let error = store.bringup(Bringup::<Member>::new()).await.unwrap_err();
    assert!(
        matches!(&error, Error::Bringup { source, .. } if source.to_string().contains("unknown field")),
        "{error}"
    );
    assert_eq!(db.count_rows("members").await, 2);
}

/// In a hashed log, the events of a bringup chain on one after another
/// (and after the log's own), and `materialize` appends nothing.
pub async fn bringup_in_a_hashed_log_keeps_the_chain<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    store.migrate::<StampEvents>().await.unwrap();
    let first: Stamp = store
        .insert(Label {
            label: "first".into(),
        })
        .await
        .unwrap();
    for n in 0..3 {
        let id = Uuid::now_v7();
        let id_sql = db.id_sql(id);
        db.execute_sql(&format!(
            "INSERT INTO stamps (id, label) VALUES ({id_sql}, 'legacy {n}')"
        ))
        .await
        .unwrap();
    }
    let imported = store.bringup(Bringup::<Stamp>::new()).await.unwrap();
    let labels: Vec<&str> = imported.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["legacy 0", "legacy 1", "legacy 2"]);
    db.execute_sql("DELETE FROM stamps").await.unwrap();
    store.materialize(first.id).await.unwrap();
    match store.verify_hash_chain::<StampEvents>().await.unwrap() {
        ChainCheck::Intact(head) => assert_eq!(head.events, 4),
        ChainCheck::Broken(broken) => panic!("{broken:?}"),
    }
    assert_eq!(db.count_rows("stamps").await, 1);
}

/// A legacy row whose id is `NULL` (a table whose id column is unique but
/// nullable) could not be removed once imported: bringup refuses it,
/// naming the id column, and writes nothing.
pub async fn bringup_refuses_a_row_without_an_id<D: TestDb>() {
    let db = D::create().await;
    let store = db.store();
    db.execute_sql(&members_ddl::<D>(
        "CREATE TABLE members (id BLOB UNIQUE, name TEXT NOT NULL, email TEXT, \
         age INTEGER NOT NULL, score REAL NOT NULL, active BOOLEAN NOT NULL, \
         joined TEXT NOT NULL, changed TEXT, tags TEXT NOT NULL, profile TEXT)",
    ))
    .await
    .unwrap();
    store.migrate::<ClubEvents>().await.unwrap();
    for id in ["NULL".to_owned(), db.id_sql(Uuid::now_v7())] {
        db.execute_sql(&format!(
            "INSERT INTO members (id, name, age, score, active, joined, tags) \
             VALUES ({id}, 'Legacy', 1, 0, {}, '2001-02-03T04:05:06Z', '[]')",
            db.bool_sql(true),
        ))
        .await
        .unwrap();
    }

    let error = store.bringup(import(None)).await.unwrap_err();
    match &error {
        Error::Bringup {
            table,
            row_id,
            source,
            ..
        } => {
            assert_eq!((table.as_str(), *row_id), ("members", Uuid::nil()));
            let invalid = source.as_invalid().expect("the id column is named");
            assert!(invalid.messages("id")[0].contains("NULL"), "{error}");
        }
        other => panic!("expected a bringup error, got {other:?}"),
    }
    assert!(
        error.to_string().contains("without a readable id"),
        "{error}"
    );
    assert_eq!(db.count_rows("members").await, 2, "nothing imported");
    assert_eq!(db.count_rows("club_events").await, 0, "nothing appended");
}
