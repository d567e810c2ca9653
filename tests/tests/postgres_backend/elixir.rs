//! Sharing a log with Spector-Elixir (section 15 of the spec): a Rust store
//! reads and appends to a table laid out by Elixir's migration, whose
//! `inserted_at` is `timestamp(6) without time zone` holding UTC.
//!
//! The fixture writes an Elixir history with SQL, exactly as the Elixir
//! library stores it (string keys, `__version__`, `__event_id__`, naive
//! ISO-8601 times, codes 1–4 and `phash2` of a custom action's name). The
//! Rust store never migrates the table, and its sessions run in a time zone
//! that is not UTC, so a time written through the session's zone would land
//! hours off.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use spector::postgres::Postgres;
use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent, Store};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::types::Json;
use sqlx::{Executor, PgPool};
use uuid::Uuid;

use spector_tests::postgres_db::pg_url;
use spector_tests::{PostgresDb, TestDb};

/// The code Spector-Elixir stores `archive` under: Erlang's
/// `:erlang.phash2(:archive)`. It must match `code = …` on [`Post`].
const ARCHIVE: i32 = 9040037;

/// The schema index Elixir's log gives posts (`schemas: [{Post, 3}]`).
const POST_SCHEMA: i32 = 3;

/// The session time zone of the Rust store: never UTC (+05:30 all year).
const SESSION_TIME_ZONE: &str = "Asia/Kolkata";

/// Sets [`SESSION_TIME_ZONE`] for a session.
const SET_SESSION_TIME_ZONE: &str = "SET TIME ZONE 'Asia/Kolkata'";

/// The tables of Spector-Elixir 0.8.0's migration for `post_events` and its
/// `edits` link (without the link's same-record trigger).
const ELIXIR_MIGRATION: &str = "
    CREATE TABLE post_events (
        id uuid PRIMARY KEY,
        parent_id uuid NOT NULL REFERENCES post_events (id),
        payload jsonb,
        schema integer NOT NULL,
        action integer NOT NULL,
        inserted_at timestamp(6) without time zone NOT NULL);
    CREATE INDEX post_events_schema_index ON post_events (schema);
    CREATE INDEX post_events_parent_id_index ON post_events (parent_id);
    CREATE INDEX post_events_inserted_at_index ON post_events (inserted_at);
    CREATE TABLE post_edits (
        event_id uuid NOT NULL REFERENCES post_events (id) ON DELETE CASCADE,
        previous_id uuid NOT NULL REFERENCES post_events (id) ON DELETE CASCADE);
    CREATE UNIQUE INDEX post_edits_event_id_previous_id_index
        ON post_edits (event_id, previous_id);
    CREATE INDEX post_edits_event_id_index ON post_edits (event_id);
    CREATE INDEX post_edits_previous_id_index ON post_edits (previous_id);";

/// The payload of `insert` and `update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Draft {
    title: String,
    body: String,
}

/// The payload of `archive`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Archival {
    reason: String,
}

/// A blog post, shared with an Elixir app at the same version.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = PostEvents,
    actions(insert = Draft, update = Draft, archive(payload = Archival, code = 9040037)),
    links(edits = "previous_id"),
    version = 1
)]
struct Post {
    id: Id<Post>,
    title: String,
    body: String,
    archived: Option<String>,
    /// The time of the latest event, as the write saw it (`meta`).
    changed_at: DateTime<Utc>,
}

impl Changeset for Post {
    fn changeset(mut self, action: PostAction, meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            PostAction::Insert(draft) | PostAction::Update(draft) => {
                self.title = draft.title;
                self.body = draft.body;
            }
            PostAction::Archive(archival) => self.archived = Some(archival.reason),
        }
        self.changed_at = meta.inserted_at;
        Ok(self)
    }

    /// An update links to the event it follows.
    fn prepare_event(
        event: &mut NewEvent<Self>,
        history: &[Event],
        _post: &Self,
    ) -> Result<(), Invalid> {
        if let (PostAction::Update(_), Some(previous)) = (event.action(), history.last()) {
            event.link(PostLink::Edits, previous.id);
        }
        Ok(())
    }
}

event_log!(PostEvents {
    table: "post_events",
    schemas: [Post = 3],
});

/// The events the fixture wrote the way Elixir does.
struct ElixirHistory {
    /// A post: inserted, updated (linked to its insert), archived.
    post: Uuid,
    /// The post's update and archive events.
    update: Uuid,
    archive: Uuid,
    /// A post inserted, then deleted.
    gone: Uuid,
    gone_delete: Uuid,
}

/// A naive time of 2024-05-01, as Elixir's `NaiveDateTime`.
fn may_first(hour: u32, min: u32, sec: u32, micro: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2024, 5, 1)
        .and_then(|day| day.and_hms_micro_opt(hour, min, sec, micro))
        .expect("a valid time")
}

/// `time` as Elixir's JSON encoding of a `NaiveDateTime` writes it.
fn elixir_text(time: NaiveDateTime) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// Inserts one event row with the parameters Ecto binds (`inserted_at` a
/// naive timestamp).
async fn insert_elixir_row(
    pool: &PgPool,
    id: Uuid,
    parent_id: Uuid,
    action: i32,
    payload: Value,
    at: NaiveDateTime,
) {
    sqlx::query(
        "INSERT INTO post_events (id, parent_id, payload, schema, action, inserted_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(parent_id)
    .bind(Json(payload))
    .bind(POST_SCHEMA)
    .bind(action)
    .bind(at)
    .execute(pool)
    .await
    .expect("insert an Elixir event row");
}

/// Creates Elixir's tables and writes an Elixir history into them.
async fn elixir_history(pool: &PgPool) -> ElixirHistory {
    sqlx::raw_sql(ELIXIR_MIGRATION)
        .execute(pool)
        .await
        .expect("run Elixir's migration");
    let history = ElixirHistory {
        post: Uuid::now_v7(),
        update: Uuid::now_v7(),
        archive: Uuid::now_v7(),
        gone: Uuid::now_v7(),
        gone_delete: Uuid::now_v7(),
    };
    let inserted = may_first(10, 0, 0, 0);
    insert_elixir_row(
        pool,
        history.post,
        history.post,
        1,
        json!({
            "title": "Hello", "body": "First draft",
            "__version__": 1, "__event_id__": history.post.to_string(),
            "inserted_at": elixir_text(inserted), "updated_at": elixir_text(inserted),
        }),
        inserted,
    )
    .await;
    let updated = may_first(10, 5, 0, 250_000);
    insert_elixir_row(
        pool,
        history.update,
        history.post,
        2,
        json!({
            "title": "Hello", "body": "Second draft",
            "__version__": 1, "__event_id__": history.update.to_string(),
            "updated_at": elixir_text(updated),
        }),
        updated,
    )
    .await;
    sqlx::query("INSERT INTO post_edits (event_id, previous_id) VALUES ($1, $2)")
        .bind(history.update)
        .bind(history.post)
        .execute(pool)
        .await
        .expect("insert an Elixir link row");
    let archived = may_first(11, 0, 0, 1);
    insert_elixir_row(
        pool,
        history.archive,
        history.post,
        ARCHIVE,
        json!({
            "reason": "superseded",
            "__version__": 1, "__event_id__": history.archive.to_string(),
            "updated_at": elixir_text(archived),
        }),
        archived,
    )
    .await;
    let gone_at = may_first(12, 0, 0, 0);
    insert_elixir_row(
        pool,
        history.gone,
        history.gone,
        1,
        json!({
            "title": "Draft", "body": "Never mind",
            "__version__": 1, "__event_id__": history.gone.to_string(),
            "inserted_at": elixir_text(gone_at), "updated_at": elixir_text(gone_at),
        }),
        gone_at,
    )
    .await;
    let gone_delete = history.gone_delete;
    insert_elixir_row(
        pool,
        gone_delete,
        history.gone,
        3,
        json!({}),
        may_first(12, 30, 0, 0),
    )
    .await;
    history
}

/// A store on the test's schema whose session runs in
/// [`SESSION_TIME_ZONE`]. sqlx asks for UTC when it opens a session, so the
/// zone is set after connecting, as an application's pool may do. One
/// connection, so that every operation runs in that same session.
async fn store_in_session_time_zone(db: &PostgresDb) -> Store<Postgres> {
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(db.store().backend().pool())
        .await
        .expect("read the test's schema");
    let options = PgConnectOptions::from_str(&pg_url())
        .expect("valid SPECTOR_PG_URL")
        .options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(SET_SESSION_TIME_ZONE).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .expect("connect the pool");
    let zone: String = sqlx::query_scalar("SHOW TimeZone")
        .fetch_one(&pool)
        .await
        .expect("read the session's time zone");
    assert_eq!(zone, SESSION_TIME_ZONE);
    Store::new(Postgres::from_pool(pool))
}

/// The test's schema holding Elixir's history, and a Rust store on it whose
/// sessions are not in UTC.
async fn shared_log() -> (PostgresDb, Store<Postgres>, ElixirHistory) {
    let db = PostgresDb::create().await;
    let history = elixir_history(db.store().backend().pool()).await;
    let store = store_in_session_time_zone(&db).await;
    (db, store, history)
}

/// An event row as Elixir reads it back.
#[derive(Debug)]
struct Row {
    id: Uuid,
    parent_id: Uuid,
    schema: i32,
    action: i32,
    payload: Value,
    inserted_at: NaiveDateTime,
}

/// Every row of the table, ordered as Elixir orders reads (`inserted_at`
/// alone).
async fn elixir_rows(pool: &PgPool) -> Vec<Row> {
    let rows: Vec<(Uuid, Uuid, i32, i32, Json<Value>, NaiveDateTime)> = sqlx::query_as(
        "SELECT id, parent_id, schema, action, payload, inserted_at \
         FROM post_events ORDER BY inserted_at",
    )
    .fetch_all(pool)
    .await
    .expect("read the rows");
    rows.into_iter()
        .map(
            |(id, parent_id, schema, action, Json(payload), inserted_at)| Row {
                id,
                parent_id,
                schema,
                action,
                payload,
                inserted_at,
            },
        )
        .collect()
}

/// A time stored in the payload by either library, read as UTC.
fn payload_time(payload: &Value, key: &str) -> NaiveDateTime {
    let text = payload[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {payload}"));
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.naive_utc())
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
        .unwrap_or_else(|e| panic!("{key} {text:?} is not an ISO-8601 time: {e}"))
}

#[tokio::test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn rust_replays_a_history_written_by_elixir() {
    let (_db, store, elixir) = shared_log().await;

    let post = store.get(Id::<Post>::new(elixir.post)).await.unwrap();
    assert_eq!(
        post,
        Some(Post {
            id: Id::new(elixir.post),
            title: "Hello".into(),
            body: "Second draft".into(),
            archived: Some("superseded".into()),
            changed_at: may_first(11, 0, 0, 1).and_utc(),
        })
    );
    assert_eq!(store.get(Id::<Post>::new(elixir.gone)).await.unwrap(), None);

    let events = store
        .all_events(Id::<Post>::new(elixir.post))
        .await
        .unwrap();
    let seen: Vec<_> = events
        .iter()
        .map(|e| (e.id, e.action_code, e.schema_index, e.inserted_at))
        .collect();
    assert_eq!(
        seen,
        [
            (
                elixir.post,
                1,
                POST_SCHEMA,
                may_first(10, 0, 0, 0).and_utc()
            ),
            (
                elixir.update,
                2,
                POST_SCHEMA,
                may_first(10, 5, 0, 250_000).and_utc()
            ),
            (
                elixir.archive,
                ARCHIVE,
                POST_SCHEMA,
                may_first(11, 0, 0, 1).and_utc()
            ),
        ]
    );
    assert!(events.iter().all(|e| e.meta().version == 1));
    assert_eq!(
        events[1].linked(PostLink::Edits).collect::<Vec<_>>(),
        [elixir.post]
    );
    assert!(matches!(
        events[2].action::<Post>().unwrap(),
        PostAction::Archive(Archival { reason }) if reason == "superseded"
    ));
}

#[tokio::test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn rust_appends_rows_as_elixir_stores_them() {
    let (db, store, elixir) = shared_log().await;
    let pool = db.store().backend().pool();
    let post = Id::<Post>::new(elixir.post);
    let before = Utc::now();

    let updated = store
        .update(
            post,
            Draft {
                title: "Hello".into(),
                body: "Third draft".into(),
            },
        )
        .await
        .unwrap();
    let archived = store
        .execute(
            post,
            PostAction::Archive(Archival {
                reason: "moved".into(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(store.get(post).await.unwrap().as_ref(), Some(&archived));
    let fresh: Post = store
        .insert(Draft {
            title: "Later".into(),
            body: "Written in Rust".into(),
        })
        .await
        .unwrap();
    assert_eq!(store.get(fresh.id).await.unwrap().as_ref(), Some(&fresh));
    let deleted = store.delete(post).await.unwrap();
    assert_eq!(deleted, archived);
    assert_eq!(store.get(post).await.unwrap(), None);
    let after = Utc::now();

    // Elixir's view: the whole table ordered by `inserted_at`, Elixir's
    // rows first, then Rust's.
    let rows = elixir_rows(pool).await;
    let sequence: Vec<_> = rows.iter().map(|r| (r.parent_id, r.action)).collect();
    assert_eq!(
        sequence,
        [
            (elixir.post, 1),
            (elixir.post, 2),
            (elixir.post, ARCHIVE),
            (elixir.gone, 1),
            (elixir.gone, 3),
            (elixir.post, 2),
            (elixir.post, ARCHIVE),
            (fresh.id.uuid(), 1),
            (elixir.post, 3),
        ]
    );
    assert_eq!(rows[4].id, elixir.gone_delete);
    assert!(rows.iter().all(|r| r.schema == POST_SCHEMA));
    let appended = &rows[5..];

    // Times: naive UTC, equal to what the writes saw, within the test's
    // run (a session-zone conversion would put them hours off).
    let window = before.naive_utc()..=after.naive_utc();
    for row in appended {
        assert!(
            window.contains(&row.inserted_at),
            "{} stored at {} (naive), outside {window:?}",
            row.id,
            row.inserted_at
        );
    }
    assert_eq!(appended[0].inserted_at, updated.changed_at.naive_utc());
    assert_eq!(appended[1].inserted_at, archived.changed_at.naive_utc());
    assert_eq!(appended[2].inserted_at, fresh.changed_at.naive_utc());
    assert!(appended[2].inserted_at > rows[4].inserted_at);

    // Payloads: Elixir's reserved keys.
    for row in &appended[..3] {
        let payload = &row.payload;
        assert_eq!(payload["__version__"], json!(1), "{payload}");
        assert_eq!(payload["__event_id__"], json!(row.id.to_string()));
        assert_eq!(payload_time(payload, "updated_at"), row.inserted_at);
    }
    assert_eq!(
        appended[0].payload["body"],
        json!("Third draft"),
        "{:?}",
        appended[0]
    );
    assert_eq!(appended[1].payload["reason"], json!("moved"));
    assert_eq!(appended[2].id, fresh.id.uuid());
    assert_eq!(
        payload_time(&appended[2].payload, "inserted_at"),
        appended[2].inserted_at
    );
    assert!(appended[1].payload.get("inserted_at").is_none());
    assert_eq!(appended[3].payload, json!({}));

    // The Rust update links to the event before it, Elixir's archive.
    let previous: Vec<Uuid> =
        sqlx::query_scalar("SELECT previous_id FROM post_edits WHERE event_id = $1")
            .bind(appended[0].id)
            .fetch_all(pool)
            .await
            .unwrap();
    assert_eq!(previous, [elixir.archive]);

    // Rust reads its own rows back with the same times.
    let events = store.all_events(fresh.id).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].inserted_at, fresh.changed_at);

    // The writes' UTC ended with their transactions: the session keeps its
    // own zone.
    let zone: String = sqlx::query_scalar("SHOW TimeZone")
        .fetch_one(store.backend().pool())
        .await
        .unwrap();
    assert_eq!(zone, SESSION_TIME_ZONE);
}

/// A table the store wrote as Spector's (`timestamptz`), dropped by
/// `migrate_down` and laid out again by Elixir's migration
/// (`timestamp without time zone`): the store asks the new layout, and a
/// new record's time still lands as UTC from a session that is not in UTC.
#[tokio::test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn a_table_laid_out_again_by_elixir_gets_utc_times() {
    let db = PostgresDb::create().await;
    let store = store_in_session_time_zone(&db).await;
    let pool = db.store().backend().pool();
    let draft = |title: &str| Draft {
        title: title.into(),
        body: "text".into(),
    };
    store.migrate::<PostEvents>().await.unwrap();
    let _: Post = store.insert(draft("in Spector's table")).await.unwrap();
    store.migrate_down::<PostEvents>().await.unwrap();
    sqlx::raw_sql(ELIXIR_MIGRATION)
        .execute(pool)
        .await
        .expect("run Elixir's migration");

    let before = Utc::now();
    let post: Post = store.insert(draft("in Elixir's table")).await.unwrap();
    let after = Utc::now();
    let rows = elixir_rows(pool).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, post.id.uuid());
    let window = before.naive_utc()..=after.naive_utc();
    assert!(
        window.contains(&rows[0].inserted_at),
        "{} is not UTC within {window:?}",
        rows[0].inserted_at
    );
}
