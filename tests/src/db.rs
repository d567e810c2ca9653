//! What the suite needs of a backend: an isolated store, and raw SQL access
//! to check what is (not) in the database.

use async_trait::async_trait;
use spector::backend::Storage;
use spector::Store;
use uuid::Uuid;

/// The time of an event row written by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowTime {
    /// Now.
    Now,
    /// A time the backend stores but no `chrono` time can hold (PostgreSQL:
    /// `infinity`; SQLite: the largest integer).
    OutOfRange,
    /// The last microsecond Spector reads (just before
    /// `spector::backend::END_OF_TIME_MICROS`).
    Last,
}

/// An event row written by hand, with its time in microseconds since 1970.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    /// The event id.
    pub id: Uuid,
    /// The record id.
    pub parent_id: Uuid,
    /// The schema index.
    pub schema: i32,
    /// The action code.
    pub action: i32,
    /// The payload, as JSON text.
    pub payload: String,
    /// The time, in microseconds since 1970.
    pub micros: i64,
}

/// A change made to a hashed log behind the library's back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// The event's payload replaced (JSON text).
    SetPayload(Uuid, String),
    /// The event deleted (its links go with it).
    Delete(Uuid),
    /// The two events' times swapped.
    SwapTimes(Uuid, Uuid),
    /// The event's stored hash replaced.
    SetHash(Uuid, Vec<u8>),
    /// The event moved to another record.
    SetParent(Uuid, Uuid),
    /// Every link row of the event in a link table deleted.
    DeleteLinks {
        /// The link table.
        table: String,
        /// The event whose links go.
        event_id: Uuid,
    },
    /// A new event row with the given hash.
    Insert(RawEvent, Vec<u8>),
}

/// One isolated database for one test: its own in-memory SQLite database,
/// or its own PostgreSQL schema.
#[async_trait]
pub trait TestDb: Send + Sync + Sized + 'static {
    /// The backend under test.
    type Storage: Storage + Clone;

    /// A fresh, empty database. Panics when the database is unreachable, so
    /// that the test fails.
    async fn create() -> Self;

    /// The store on it.
    fn store(&self) -> &Store<Self::Storage>;

    /// How many rows `table` has.
    async fn count_rows(&self, table: &str) -> i64;

    /// Whether a table called `table` exists.
    async fn table_exists(&self, table: &str) -> bool;

    /// Every table, index, trigger and function in the test's database (or
    /// schema), as `"<kind> <name>"`, sorted.
    async fn schema_objects(&self) -> Vec<String>;

    /// Inserts a link row by hand, bypassing the library.
    async fn insert_link_row(
        &self,
        link_table: &str,
        column: &str,
        event_id: Uuid,
        target: Uuid,
    ) -> Result<(), String>;

    /// Inserts an event row by hand, bypassing the library.
    #[allow(clippy::too_many_arguments)]
    async fn insert_event_row(
        &self,
        table: &str,
        id: Uuid,
        parent_id: Uuid,
        schema: i32,
        action: i32,
        payload: &str,
        time: RowTime,
    ) -> Result<(), String>;

    /// Inserts many event rows by hand in one transaction, bypassing the
    /// library (a long history in a fraction of a second).
    async fn insert_event_rows(&self, table: &str, rows: Vec<RawEvent>) -> Result<(), String>;

    /// Changes the event table `table` of a hashed log by hand, its
    /// immutability triggers set aside.
    async fn tamper(&self, table: &str, tamper: Tamper) -> Result<(), String>;

    /// Runs one SQL statement by hand, bypassing the library.
    async fn execute_sql(&self, sql: &str) -> Result<(), String>;

    /// Runs the backend's `migration::link_down` of the link `link` of
    /// `log` (the statements an external migration tool would run).
    async fn drop_link(
        &self,
        log: &'static spector::backend::LogSpec,
        link: &str,
    ) -> Result<(), String>;

    /// `id` as an SQL literal of the backend's UUID type (PostgreSQL
    /// `'…'`, SQLite `X'…'`).
    fn id_sql(&self, id: Uuid) -> String;

    /// `value` as an SQL boolean literal (PostgreSQL `true`, SQLite `1`).
    fn bool_sql(&self, value: bool) -> &'static str;

    /// The rows of the query `sql`, each a JSON object column → value in a
    /// form both backends share: UUIDs as text, integers and floats as
    /// numbers, text as strings, booleans as `true`/`false` (SQLite's 0/1
    /// for columns named in `booleans`), JSON columns parsed (those named
    /// in `json`), `NULL` as `null`.
    async fn select_json(
        &self,
        sql: &str,
        booleans: &[&str],
        json: &[&str],
    ) -> Vec<serde_json::Value>;
}
