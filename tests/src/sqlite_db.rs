//! The SQLite side of the suite: one database file per test, as the
//! backend opens files by default (a writer thread and read connections in
//! WAL mode), removed when the test ends.

use async_trait::async_trait;
use rusqlite::params;
use spector::sqlite::{Sqlite, SqliteOptions, Synchronous};
use spector::Store;
use uuid::Uuid;

use crate::db::{RawEvent, RowTime, Tamper, TestDb};
use crate::temp_file::TempDatabase;

/// A private SQLite database file in the temp directory.
pub struct SqliteDb {
    store: Store<Sqlite>,
    _file: TempDatabase,
}

impl SqliteDb {
    async fn sql<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        self.store
            .backend()
            .with_connection(move |conn| Ok(work(conn)))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }
}

#[async_trait]
impl TestDb for SqliteDb {
    type Storage = Sqlite;

    async fn create() -> Self {
        let file = TempDatabase::new("spector-suite");
        // Durability is not what the suite tests: `NORMAL` keeps it fast.
        let options = SqliteOptions::default().synchronous(Synchronous::Normal);
        let backend = Sqlite::open_with(file.path(), options)
            .await
            .expect("an SQLite file opens");
        Self {
            store: Store::new(backend),
            _file: file,
        }
    }

    fn store(&self) -> &Store<Sqlite> {
        &self.store
    }

    async fn count_rows(&self, table: &str) -> i64 {
        let sql = format!("SELECT count(*) FROM {table}");
        self.sql(move |conn| conn.query_row(&sql, [], |row| row.get(0)))
            .await
            .expect("count rows")
    }

    async fn table_exists(&self, table: &str) -> bool {
        let table = table.to_owned();
        self.sql(move |conn| {
            conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get::<_, i64>(0),
            )
        })
        .await
        .expect("read sqlite_master")
            == 1
    }

    async fn schema_objects(&self) -> Vec<String> {
        self.sql(|conn| {
            let mut statement =
                conn.prepare("SELECT type || ' ' || name FROM sqlite_master ORDER BY 1")?;
            let names = statement.query_map([], |row| row.get(0))?;
            names.collect()
        })
        .await
        .expect("read sqlite_master")
    }

    async fn insert_link_row(
        &self,
        link_table: &str,
        column: &str,
        event_id: Uuid,
        target: Uuid,
    ) -> Result<(), String> {
        let sql = format!("INSERT INTO {link_table} (event_id, {column}) VALUES (?1, ?2)");
        self.sql(move |conn| conn.execute(&sql, params![event_id, target]).map(drop))
            .await
    }

    async fn insert_event_row(
        &self,
        table: &str,
        id: Uuid,
        parent_id: Uuid,
        schema: i32,
        action: i32,
        payload: &str,
        time: RowTime,
    ) -> Result<(), String> {
        let sql = format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        );
        let payload = payload.to_owned();
        let now = match time {
            RowTime::Now => chrono::Utc::now().timestamp_micros(),
            RowTime::OutOfRange => i64::MAX,
            RowTime::Last => spector::backend::END_OF_TIME_MICROS - 1,
        };
        self.sql(move |conn| {
            conn.execute(&sql, params![id, parent_id, payload, schema, action, now])
                .map(drop)
        })
        .await
    }

    async fn insert_event_rows(&self, table: &str, rows: Vec<RawEvent>) -> Result<(), String> {
        let sql = format!(
            "INSERT INTO {table} (id, parent_id, payload, schema, action, inserted_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        );
        self.sql(move |conn| {
            conn.execute_batch("BEGIN")?;
            let mut statement = conn.prepare(&sql)?;
            for row in &rows {
                statement.execute(params![
                    row.id,
                    row.parent_id,
                    row.payload,
                    row.schema,
                    row.action,
                    row.micros
                ])?;
            }
            conn.execute_batch("COMMIT")
        })
        .await
    }

    async fn tamper(&self, table: &str, tamper: Tamper) -> Result<(), String> {
        let table = table.to_owned();
        self.sql(move |conn| {
            conn.execute_batch(&format!(
                "DROP TRIGGER IF EXISTS {table}_immutable_on_update; \
                 DROP TRIGGER IF EXISTS {table}_immutable_on_delete;"
            ))?;
            match tamper {
                Tamper::SetPayload(id, payload) => conn.execute(
                    &format!("UPDATE {table} SET payload = ?2 WHERE id = ?1"),
                    params![id, payload],
                ),
                Tamper::Delete(id) => {
                    conn.execute(&format!("DELETE FROM {table} WHERE id = ?1"), params![id])
                }
                Tamper::SwapTimes(a, b) => {
                    // Both times first: SQLite's UPDATE would see its own
                    // first change when setting the second row.
                    let time = |id: Uuid| {
                        conn.query_row(
                            &format!("SELECT inserted_at FROM {table} WHERE id = ?1"),
                            params![id],
                            |row| row.get::<_, i64>(0),
                        )
                    };
                    let (time_a, time_b) = (time(a)?, time(b)?);
                    let set = format!("UPDATE {table} SET inserted_at = ?2 WHERE id = ?1");
                    conn.execute(&set, params![a, time_b])?;
                    conn.execute(&set, params![b, time_a])
                }
                Tamper::SetHash(id, hash) => conn.execute(
                    &format!("UPDATE {table} SET hash = ?2 WHERE id = ?1"),
                    params![id, hash],
                ),
                Tamper::SetParent(id, parent) => conn.execute(
                    &format!("UPDATE {table} SET parent_id = ?2 WHERE id = ?1"),
                    params![id, parent],
                ),
                Tamper::DeleteLinks {
                    table: links,
                    event_id,
                } => conn.execute(
                    &format!("DELETE FROM {links} WHERE event_id = ?1"),
                    params![event_id],
                ),
                Tamper::Insert(row, hash) => conn.execute(
                    &format!(
                        "INSERT INTO {table} \
                         (id, parent_id, payload, schema, action, inserted_at, hash) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                    ),
                    params![
                        row.id,
                        row.parent_id,
                        row.payload,
                        row.schema,
                        row.action,
                        row.micros,
                        hash
                    ],
                ),
            }
            .map(drop)
        })
        .await
    }

    async fn execute_sql(&self, sql: &str) -> Result<(), String> {
        let sql = sql.to_owned();
        self.sql(move |conn| conn.execute_batch(&sql)).await
    }

    async fn drop_link(
        &self,
        log: &'static spector::backend::LogSpec,
        link: &str,
    ) -> Result<(), String> {
        let spec = log.link(link).ok_or_else(|| format!("no link {link}"))?;
        let statements = spector::sqlite::migration::link_down(spec).join(";\n");
        self.execute_sql(&statements).await
    }

    fn id_sql(&self, id: Uuid) -> String {
        format!("X'{}'", id.simple())
    }

    fn bool_sql(&self, value: bool) -> &'static str {
        if value {
            "1"
        } else {
            "0"
        }
    }

    async fn select_json(
        &self,
        sql: &str,
        booleans: &[&str],
        json: &[&str],
    ) -> Vec<serde_json::Value> {
        use rusqlite::types::ValueRef;
        use serde_json::Value;
        let sql = sql.to_owned();
        let booleans: Vec<String> = booleans.iter().map(|c| (*c).to_owned()).collect();
        let json: Vec<String> = json.iter().map(|c| (*c).to_owned()).collect();
        self.sql(move |conn| {
            let mut statement = conn.prepare(&sql)?;
            let names: Vec<String> = statement
                .column_names()
                .iter()
                .map(|n| (*n).to_owned())
                .collect();
            let mut rows = statement.query([])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                let mut object = serde_json::Map::new();
                for (position, name) in names.iter().enumerate() {
                    let value = match row.get_ref(position)? {
                        ValueRef::Null => Value::Null,
                        ValueRef::Integer(int) if booleans.contains(name) => Value::Bool(int != 0),
                        ValueRef::Integer(int) => Value::from(int),
                        ValueRef::Real(float) => Value::from(float),
                        ValueRef::Text(text) if json.contains(name) => {
                            serde_json::from_slice(text).expect("a JSON column holds JSON")
                        }
                        ValueRef::Text(text) => {
                            Value::String(String::from_utf8_lossy(text).into_owned())
                        }
                        ValueRef::Blob(bytes) => Value::String(
                            Uuid::from_slice(bytes).expect("a 16-byte UUID").to_string(),
                        ),
                    };
                    object.insert(name.clone(), value);
                }
                out.push(Value::Object(object));
            }
            Ok(out)
        })
        .await
        .expect("select")
    }
}
