//! Materialized rows: the column kind of each field type, the values a
//! row takes, and the table declarations a log refuses.

use chrono::{DateTime, Utc};
use spector_core::backend::{ColumnDecl, LogSpec, SchemaSpec, TableDecl, TableSpec};
use spector_core::{ColumnType, Id, Row, ToColumn, Value};
use uuid::Uuid;

const COLUMNS: &[ColumnDecl] = &[
    ColumnDecl::of::<Uuid>("id"),
    ColumnDecl::of::<String>("name"),
    ColumnDecl::of::<Option<i32>>("age"),
    ColumnDecl::json("tags", false),
];

fn table() -> &'static TableSpec {
    let mut schema = SchemaSpec::new("Person", 0, &[]);
    schema.table = Some(TableDecl {
        name: "people",
        columns: COLUMNS,
    });
    let log = Box::leak(Box::new(
        LogSpec::new("people_events", vec![schema]).unwrap(),
    ));
    &log.materialized_tables()[0]
}

fn values(age: Value) -> Vec<Value> {
    vec![
        Value::Uuid(Uuid::from_u128(7)),
        Value::Text("Ada".into()),
        age,
        Value::Json(serde_json::json!(["x"])),
    ]
}

#[test]
fn field_types_give_their_column_kind_and_nullability() {
    assert_eq!(COLUMNS[1].ty, ColumnType::Text);
    assert!(!COLUMNS[1].nullable);
    assert_eq!(COLUMNS[2].ty, ColumnType::Integer);
    assert!(COLUMNS[2].nullable);
    assert_eq!(Some(3_u8).to_value(), Value::Integer(3));
    assert_eq!(None::<bool>.to_value(), Value::Null);
    assert_eq!(1.5_f32.to_value(), Value::Float(1.5));
    assert_eq!(
        Id::<()>::new(Uuid::from_u128(1)).to_value(),
        Value::Uuid(Uuid::from_u128(1))
    );
    assert_eq!(Value::json("tags", &None::<Vec<u8>>), Ok(Value::Null));
}

#[test]
fn a_row_takes_one_value_of_its_kind_per_column() {
    let row = Row::new(table(), values(Value::Null)).unwrap();
    assert_eq!(row.id(), Some(Uuid::from_u128(7)));
    assert_eq!(row.get("name"), Some(&Value::Text("Ada".into())));
    assert_eq!(row.get("missing"), None);
    let attrs = row.to_attrs();
    assert_eq!(
        attrs.get::<String>("id").unwrap(),
        Some(Uuid::from_u128(7).to_string())
    );
    assert_eq!(
        attrs.get::<Vec<String>>("tags").unwrap(),
        Some(vec!["x".to_owned()])
    );

    let error = Row::new(table(), values(Value::Text("old".into()))).unwrap_err();
    assert!(error.to_string().contains("age"), "{error}");
    let mut short = values(Value::Null);
    short.pop();
    assert!(Row::new(table(), short)
        .unwrap_err()
        .to_string()
        .contains("has 4 columns, not 3"));
    let mut empty_name = values(Value::Null);
    empty_name[1] = Value::Null;
    let error = Row::new(table(), empty_name.clone()).unwrap_err();
    assert!(error.to_string().contains("can't be empty"), "{error}");
    let read = Row::read(table(), empty_name).unwrap();
    assert_eq!(
        read.get("name"),
        Some(&Value::Null),
        "a row read may be empty anywhere"
    );
    assert!(Row::read(table(), values(Value::Boolean(true))).is_err());
}

#[test]
fn each_value_fits_its_own_kind_only() {
    use ColumnType::*;
    let kinds = [Uuid, Text, Integer, Float, Boolean, Timestamp, Json];
    let values = [
        Value::Uuid(uuid::Uuid::nil()),
        Value::Text(String::new()),
        Value::Integer(0),
        Value::Float(0.5),
        Value::Boolean(true),
        Value::Timestamp(DateTime::<Utc>::UNIX_EPOCH),
        Value::Json(serde_json::json!({"a": 1})),
    ];
    for (i, value) in values.iter().enumerate() {
        for (j, kind) in kinds.iter().enumerate() {
            assert_eq!(value.fits(*kind, true), i == j, "{value:?} in {kind:?}");
        }
    }
    assert!(Value::Null.fits(Text, true));
    assert!(!Value::Null.fits(Text, false));
    let json: Vec<serde_json::Value> = values.iter().map(Value::to_json).collect();
    assert_eq!(
        serde_json::Value::Array(json),
        serde_json::json!([
            "00000000-0000-0000-0000-000000000000",
            "",
            0,
            0.5,
            true,
            "1970-01-01T00:00:00.000000Z",
            {"a": 1}
        ])
    );
    assert_eq!(Value::Null.to_json(), serde_json::Value::Null);
}

#[test]
fn a_table_must_start_with_a_required_uuid_and_name_each_column_once() {
    const TEXT_ID: &[ColumnDecl] = &[ColumnDecl::of::<String>("id")];
    const OPTIONAL_ID: &[ColumnDecl] = &[ColumnDecl::of::<Option<Uuid>>("id")];
    const TWICE: &[ColumnDecl] = &[ColumnDecl::of::<Uuid>("id"), ColumnDecl::of::<i32>("id")];
    let spec = |name: &'static str, columns: &'static [ColumnDecl]| {
        let mut schema = SchemaSpec::new("Person", 0, &[]);
        schema.table = Some(TableDecl { name, columns });
        LogSpec::new("people_events", vec![schema]).map(|_| ())
    };
    for (columns, reason) in [
        (TEXT_ID, "must start with the record id"),
        (OPTIONAL_ID, "must start with the record id"),
        (TWICE, "has two columns `id`"),
    ] {
        let error = spec("people", columns).unwrap_err().to_string();
        assert!(error.contains(reason), "{error}");
    }
    let error = spec("people_events", COLUMNS).unwrap_err().to_string();
    assert!(
        error.contains("already the log's event or link table"),
        "{error}"
    );
    assert!(spec("bad name", COLUMNS)
        .unwrap_err()
        .to_string()
        .contains("not a valid name"));
    let table = table();
    assert_eq!(table.schema_index(), 0);
    assert_eq!(table.record_type(), "Person");
    assert_eq!(table.id_column().name().as_str(), "id");
}

#[test]
fn set_checks_the_column_and_the_kind() {
    let mut row = Row::new(table(), values(Value::Null)).unwrap();
    row.set("age", 36).unwrap();
    assert_eq!(row.get("age"), Some(&Value::Integer(36)));
    row.set("age", None::<i32>).unwrap();
    assert_eq!(row.get("age"), Some(&Value::Null));
    assert!(row
        .set("name", None::<String>)
        .unwrap_err()
        .to_string()
        .contains("can't be empty"));
    assert!(row.set("name", 3).unwrap_err().to_string().contains("name"));
    assert!(row
        .set("nickname", "x")
        .unwrap_err()
        .to_string()
        .contains("not a column"));
    assert!(row
        .set("id", Uuid::nil())
        .unwrap_err()
        .to_string()
        .contains("record id"));
    row.set_value("tags", Value::Json(serde_json::json!({"a": 1})))
        .unwrap();
    assert_eq!(row.values()[3], Value::Json(serde_json::json!({"a": 1})));
}
