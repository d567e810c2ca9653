//! Reading stored event rows whatever SQLite holds in them: SQLite keeps a
//! value of any storage class in any column, so a row written by hand may
//! hold text where Spector writes an integer. Every such value is
//! [`Error::CorruptEvent`] naming the event, the column and what it holds.

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, ValueRef};
use rusqlite::Row;
use spector_core::backend::END_OF_TIME_MICROS;
use spector_core::{Error, Result};
use uuid::Uuid;

use crate::error::query_error;

/// At most this many characters (or bytes, of a blob) of a stored value
/// are shown in an error.
const SHOWN: usize = 40;

/// A stored value as an error shows it: its storage class and its value,
/// shortened (`TEXT 'abc'`, `BLOB x'0102'`, `INTEGER 7`).
pub(crate) fn shown(raw: ValueRef<'_>) -> String {
    match raw {
        ValueRef::Null => "NULL".to_owned(),
        ValueRef::Integer(int) => format!("INTEGER {int}"),
        ValueRef::Real(float) => format!("REAL {float}"),
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) if text.chars().count() > SHOWN => {
                format!("TEXT '{}…'", text.chars().take(SHOWN).collect::<String>())
            }
            Ok(text) => format!("TEXT '{text}'"),
            Err(_) => format!("TEXT of {} bytes that are not UTF-8", bytes.len()),
        },
        ValueRef::Blob(bytes) => {
            let hex: String = bytes
                .iter()
                .take(SHOWN)
                .map(|byte| format!("{byte:02x}"))
                .collect();
            let more = if bytes.len() > SHOWN { "…" } else { "" };
            format!("BLOB x'{hex}'{more}")
        }
    }
}

/// A stored UUID: 16 bytes, as Spector writes ids. Otherwise the best id
/// there is — the one a text spells, or nil — and what is wrong.
pub(crate) fn stored_uuid(raw: ValueRef<'_>) -> std::result::Result<Uuid, (Uuid, String)> {
    if let ValueRef::Blob(bytes) = raw {
        if let Ok(bytes) = <[u8; 16]>::try_from(bytes) {
            return Ok(Uuid::from_bytes(bytes));
        }
    }
    Err((
        spelt_uuid(raw).unwrap_or_default(),
        format!("is {}, not a UUID's 16 bytes", shown(raw)),
    ))
}

/// The UUID a stored text spells (any form `Uuid::try_parse` reads:
/// hyphenated, simple, upper-case …), if it is one.
pub(crate) fn spelt_uuid(raw: ValueRef<'_>) -> Option<Uuid> {
    match raw {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| Uuid::try_parse(text).ok()),
        _ => None,
    }
}

/// One event row being decoded: its log's table and its id, which every
/// error about the row names.
pub(crate) struct StoredEvent<'r, 's> {
    row: &'r Row<'s>,
    table: &'r str,
    id: Uuid,
}

impl<'r, 's> StoredEvent<'r, 's> {
    /// The event row `row` of `table`, its id read from column `id_index`.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptEvent`] when the id is not 16 bytes: its event id is
    /// the UUID a text spells, or nil, and its reason says so.
    pub(crate) fn read(row: &'r Row<'s>, table: &'r str, id_index: usize) -> Result<Self> {
        let raw = row
            .get_ref(id_index)
            .map_err(query_error("read events", table))?;
        match stored_uuid(raw) {
            Ok(id) => Ok(Self { row, table, id }),
            Err((id, problem)) => Err(Error::CorruptEvent {
                table: table.to_owned(),
                event_id: id,
                reason: format!(
                    "its id {problem}{}",
                    if id.is_nil() {
                        " (no id can be read: the event is shown as nil)"
                    } else {
                        ""
                    }
                ),
            }),
        }
    }

    /// The event's id.
    pub(crate) fn id(&self) -> Uuid {
        self.id
    }

    /// The row is corrupt: `reason`.
    pub(crate) fn corrupt(&self, reason: String) -> Error {
        Error::CorruptEvent {
            table: self.table.to_owned(),
            event_id: self.id,
            reason,
        }
    }

    /// The value of column `index`, called `column`, as `T`, Spector
    /// storing there `expected`.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptEvent`] naming the column and what it holds when it
    /// is not a `T`.
    pub(crate) fn get<T: FromSql>(&self, index: usize, column: &str, expected: &str) -> Result<T> {
        let raw = self
            .row
            .get_ref(index)
            .map_err(query_error("read events", self.table))?;
        T::column_result(raw)
            .map_err(|_| self.corrupt(format!("its {column} is {}, not {expected}", shown(raw))))
    }

    /// The event's time, stored in column `index` as microseconds since
    /// 1970.
    ///
    /// # Errors
    ///
    /// [`Error::CorruptEvent`] for a value that is not an integer, or a
    /// time out of the range Spector reads.
    pub(crate) fn inserted_at(&self, index: usize) -> Result<DateTime<Utc>> {
        let micros: i64 = self.get(index, "inserted_at", "an INTEGER (µs since 1970)")?;
        (micros < END_OF_TIME_MICROS)
            .then(|| DateTime::from_timestamp_micros(micros))
            .flatten()
            .ok_or_else(|| {
                self.corrupt(format!(
                    "its inserted_at ({micros} µs from 1970) is out of the range of times Spector reads"
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_with_their_storage_class_and_shortened() {
        assert_eq!(shown(ValueRef::Null), "NULL");
        assert_eq!(shown(ValueRef::Integer(-7)), "INTEGER -7");
        assert_eq!(shown(ValueRef::Real(1.5)), "REAL 1.5");
        assert_eq!(shown(ValueRef::Text(b"old")), "TEXT 'old'");
        assert_eq!(
            shown(ValueRef::Text(b"\xff\xfe")),
            "TEXT of 2 bytes that are not UTF-8"
        );
        assert_eq!(shown(ValueRef::Blob(&[1, 2, 255])), "BLOB x'0102ff'");
        let long = "a".repeat(50);
        assert_eq!(
            shown(ValueRef::Text(long.as_bytes())),
            format!("TEXT '{}…'", "a".repeat(40))
        );
        assert!(shown(ValueRef::Blob(&[0; 41])).ends_with("00'…"));
    }

    #[test]
    fn only_16_bytes_are_a_stored_uuid_and_a_spelt_one_is_the_best_id() {
        let id = Uuid::now_v7();
        assert_eq!(stored_uuid(ValueRef::Blob(id.as_bytes())), Ok(id));
        let text = id.to_string();
        let (best, problem) = stored_uuid(ValueRef::Text(text.as_bytes())).unwrap_err();
        assert_eq!(best, id);
        assert!(problem.starts_with("is TEXT '"), "{problem}");
        let (best, problem) = stored_uuid(ValueRef::Blob(&[1, 2, 3])).unwrap_err();
        assert_eq!(best, Uuid::nil());
        assert_eq!(problem, "is BLOB x'010203', not a UUID's 16 bytes");
        assert_eq!(stored_uuid(ValueRef::Null).unwrap_err().0, Uuid::nil());
    }
}
