//! Property tests of payload fidelity: every payload the store accepts
//! replays to the state the write returned, on SQLite and PostgreSQL alike,
//! and a payload that cannot be stored identically on both is refused up
//! front with [`Error::Invalid`], writing nothing.
//!
//! The generators ([`payload`], and the typed [`profile_change`] and
//! [`reading`]) produce payloads with every awkward shape: unicode, empty
//! and reserved keys, NUL characters, integers at the limits of `i64`/`u64`,
//! integral floats (`5.0`, `1e19`), `-0.0`, tiny and huge floats, NaN and
//! infinities in typed fields, and nesting on both sides of
//! [`MAX_PAYLOAD_DEPTH`] and beyond serde_json's read limit of 128.
//!
//! Besides "replays or refuses, writing nothing" and "both backends agree",
//! each property checks that the store refuses exactly what the rules say
//! ([`expected_refusal`], [`expected_typed_refusal`],
//! [`expected_reading_refusal`]), so a store refusing everything fails too.
//!
//! Each property runs [`cases`] cases (64, or `PROPTEST_CASES`) against one
//! database per backend, created once per test function. A failing case is
//! shrunk and printed as JSON; no regression file is written.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use spector::{
    event_log, Attrs, ChainCheck, Changeset, Error, EventMeta, Evented, Id, Invalid,
    MAX_PAYLOAD_DEPTH,
};
use spector_tests::records::{Address, Note, Profile, ProfileChange, Role, TestEvents};
use spector_tests::tally::{ChainEvents, Entry};
use spector_tests::{PostgresDb, SqliteDb, TestDb};
use uuid::Uuid;

// ---------------------------------------------------------------------------
// A typed record whose floats may be missing
// ---------------------------------------------------------------------------

/// A typed payload whose floats may be missing or many: serde_json writes a
/// non-finite float as `null`, which decodes back into `value` as `None`
/// (silently another payload) and into `samples` not at all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Reading {
    /// A float that may be missing.
    value: Option<f64>,
    /// Floats.
    samples: Vec<f64>,
}

/// A sensor: every reading it was given, typed.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = SensorEvents, actions(insert = Reading, update = Reading))]
struct Sensor {
    /// The record id.
    id: Id<Sensor>,
    /// Every reading, oldest first.
    readings: Vec<Reading>,
}

impl Changeset for Sensor {
    fn changeset(mut self, action: SensorAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (SensorAction::Insert(reading) | SensorAction::Update(reading)) = action;
        self.readings.push(reading);
        Ok(self)
    }
}

event_log!(SensorEvents {
    table: "sensor_events",
    schemas: [Sensor]
});

// ---------------------------------------------------------------------------
// The rules the store is to enforce
// ---------------------------------------------------------------------------

/// Keys the store writes into every event: refused at a payload's top level.
const RESERVED_KEYS: [&str; 4] = ["__version__", "__event_id__", "inserted_at", "updated_at"];

/// Top-level keys that [`Note`]'s hooks act on (`panic`, `reject`,
/// `mention`): the generators never produce them, so that a refusal is the
/// store's and never the record type's.
const NOTE_HOOK_KEYS: [&str; 3] = ["panic", "reject", "mention"];

/// Why the store is to refuse an untyped payload, or `None` when it is to
/// accept it: a reserved key at the top level, a NUL character in any key or
/// string, or nesting deeper than [`MAX_PAYLOAD_DEPTH`].
fn expected_refusal(payload: &Attrs) -> Option<&'static str> {
    if payload
        .as_map()
        .keys()
        .any(|k| RESERVED_KEYS.contains(&k.as_str()))
    {
        Some("a reserved key")
    } else if payload
        .as_map()
        .iter()
        .any(|(k, v)| k.contains('\0') || has_nul(v))
    {
        Some("a NUL character")
    } else if payload_depth(payload) > MAX_PAYLOAD_DEPTH {
        Some("nesting deeper than MAX_PAYLOAD_DEPTH")
    } else {
        None
    }
}

/// Why the store is to refuse a typed payload, or `None`: a float that is
/// not finite (serde_json would write `null`, which does not decode back),
/// or a NUL character in a string.
fn expected_typed_refusal(change: &ProfileChange) -> Option<&'static str> {
    let value = serde_json::to_value(change).expect("a profile change serializes");
    if !change.score.is_finite() {
        Some("a non-finite float")
    } else if has_nul(&value) {
        Some("a NUL character")
    } else {
        None
    }
}

/// Why the store is to refuse a [`Reading`], or `None`: a float that is not
/// finite.
fn expected_reading_refusal(reading: &Reading) -> Option<&'static str> {
    let finite = reading.value.is_none_or(f64::is_finite);
    if finite && reading.samples.iter().all(|sample| sample.is_finite()) {
        None
    } else {
        Some("a non-finite float")
    }
}

/// The nesting depth of a payload: 1 for the object, plus its deepest value.
fn payload_depth(payload: &Attrs) -> usize {
    1 + payload.as_map().values().map(depth).max().unwrap_or(0)
}

/// How many arrays and objects are nested in `value` (0 for a scalar).
fn depth(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// Whether a string or key anywhere in `value` holds a NUL character.
fn has_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(has_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || has_nul(v)),
        _ => false,
    }
}

/// Whether `stored` is `given` up to how numbers are written: the store may
/// canonicalize `5.0` to `5` (and `-0.0` to `0`), but keeps every key,
/// string, structure and numeric value.
fn same_json_up_to_numbers(stored: &Value, given: &Value) -> bool {
    match (stored, given) {
        (Value::Number(a), Value::Number(b)) => same_number(a, b),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same_json_up_to_numbers(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, a)| b.get(key).is_some_and(|b| same_json_up_to_numbers(a, b)))
        }
        _ => stored == given,
    }
}

/// Whether two JSON numbers have the same value: exactly when both are
/// integers, as `f64` when either is a float.
fn same_number(a: &Number, b: &Number) -> bool {
    let integer = |n: &Number| n.as_i64().map(i128::from).or(n.as_u64().map(i128::from));
    match (integer(a), integer(b)) {
        (Some(a), Some(b)) => a == b,
        _ => a.as_f64() == b.as_f64(),
    }
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// A generated untyped payload. Its `Debug` is its JSON, so that a failing
/// case prints as the payload it is (NUL shows as `\u0000`).
#[derive(Clone)]
struct Payload(Attrs);

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let json = serde_json::to_string(&self.0).map_err(|_| fmt::Error)?;
        write!(f, "{json} (depth {})", payload_depth(&self.0))
    }
}

/// A character of a string or key: mostly ASCII, often a JSON escape or a
/// control character, sometimes non-ASCII (accents, emoji, BOM, line
/// separators, the last code point) or any code point at all. Never NUL:
/// [`text`] adds those at a controlled rate.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        8 => proptest::char::range(' ', '~'),
        2 => prop::sample::select(vec!['"', '\\', '/', '\n', '\r', '\t', '\u{8}', '\u{c}']),
        1 => proptest::char::range('\u{1}', '\u{1f}'),
        2 => prop::sample::select(vec![
            'é', 'ß', '€', 'Ω', '中', '🎉', '\u{7f}', '\u{a0}', '\u{feff}', '\u{2028}',
            '\u{fffd}', '\u{10ffff}',
        ]),
        1 => any::<char>().prop_map(|c| if c == '\0' { '0' } else { c }),
    ]
}

/// A string of up to `max` [`character`]s; one in `1 / nul_rate` holds a
/// NUL character somewhere.
fn text(max: usize, nul_rate: u32) -> impl Strategy<Value = String> {
    (
        vec(character(), 0..=max),
        prop::bool::weighted(1.0 / f64::from(nul_rate)),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(chars, nul, at)| {
            let mut chars = chars;
            if nul {
                chars.insert(at.index(chars.len() + 1), '\0');
            }
            chars.into_iter().collect()
        })
}

/// An object key: mostly a short identifier, sometimes unicode text (rarely
/// with a NUL), empty, or one of the [`RESERVED_KEYS`].
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "[a-z_]{1,6}",
        4 => text(6, 12),
        1 => Just(String::new()),
        1 => prop::sample::select(RESERVED_KEYS.to_vec()).prop_map(str::to_owned),
    ]
}

/// A key of the payload object itself: a [`key`] other than the
/// [`NOTE_HOOK_KEYS`].
fn top_key() -> impl Strategy<Value = String> {
    key().prop_map(|key| {
        if NOTE_HOOK_KEYS.contains(&key.as_str()) {
            format!("{key}_")
        } else {
            key
        }
    })
}

/// Finite floats that have tripped JSON stores: integral ones (which the
/// store writes as integers), ones beyond `i64`/`u64`, signed zero, the
/// extremes of `f64`, subnormals, and ones that need all 17 digits.
const AWKWARD_FLOATS: [f64; 22] = [
    5.0,
    -0.0,
    0.0,
    1e19,
    -1e19,
    1e20,
    9_223_372_036_854_775_808.0,  // 2^63
    -9_223_372_036_854_775_808.0, // -2^63
    18_446_744_073_709_551_616.0, // 2^64
    9_007_199_254_740_993.0,      // 2^53 + 1, rounds to 2^53
    1e300,
    -1e300,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    1e-7,
    0.1,
    1.0 / 3.0,
    std::f64::consts::PI,
    1e15 + 0.5,
    123_456_789.123_456_79,
];

/// A finite float, as JSON.
fn float(value: f64) -> Value {
    Value::Number(Number::from_f64(value).expect("a finite float"))
}

/// A JSON number: any `i64`, integers at the limits of `i64` and `u64`,
/// [`AWKWARD_FLOATS`], integral floats, and any finite float.
fn number() -> impl Strategy<Value = Value> {
    use prop::num::f64::{NEGATIVE, NORMAL, POSITIVE, SUBNORMAL, ZERO};
    prop_oneof![
        3 => any::<i64>().prop_map(Value::from),
        1 => (0..4u64).prop_map(|d| Value::from(u64::MAX - d)),
        1 => (0..4i64).prop_map(|d| Value::from(i64::MAX - d)),
        1 => (0..4i64).prop_map(|d| Value::from(i64::MIN + d)),
        1 => (0..4u64).prop_map(|d| Value::from((1u64 << 63) + d)),
        3 => prop::sample::select(AWKWARD_FLOATS.to_vec()).prop_map(float),
        2 => (-1_000_000i32..1_000_000).prop_map(|n| float(f64::from(n))),
        2 => (POSITIVE | NEGATIVE | NORMAL | SUBNORMAL | ZERO).prop_map(float),
    ]
}

/// A JSON scalar: null, a bool, a [`number`] or a string (rarely with a NUL).
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        4 => number(),
        3 => text(12, 16).prop_map(Value::String),
    ]
}

/// A small JSON value: a [`scalar`], or arrays and objects of them nested
/// up to 3 levels, a few items each.
fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((key(), inner), 0..4)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// How many containers to wrap around the deep entry of a [`payload`]: a
/// few, more often enough to land the payload's depth on either side of
/// [`MAX_PAYLOAD_DEPTH`], sometimes past serde_json's read limit of 128.
fn extra_nesting() -> impl Strategy<Value = usize> {
    prop_oneof![
        2 => 1..8usize,
        3 => (MAX_PAYLOAD_DEPTH - 4)..=(MAX_PAYLOAD_DEPTH + 1),
        1 => 126..=140usize,
    ]
}

/// `value` inside `levels` containers: an array `[v]` where `shape`'s bit
/// is set, an object `{"n": v}` where it is not.
fn nest(value: Value, levels: usize, shape: u64) -> Value {
    (0..levels).fold(value, |inner, level| {
        if shape >> (level % 64) & 1 == 1 {
            Value::Array(vec![inner])
        } else {
            Value::Object(Map::from_iter([("n".to_owned(), inner)]))
        }
    })
}

/// An untyped payload: up to 5 entries of [`top_key`] → [`value`], and in
/// about a third of the cases one more entry nested [`extra_nesting`]
/// levels deep.
fn payload() -> impl Strategy<Value = Payload> {
    let deep = (top_key(), extra_nesting(), any::<u64>(), value());
    (
        vec((top_key(), value()), 0..5),
        option::weighted(0.35, deep),
    )
        .prop_map(|(entries, deep)| {
            let mut map: Map<String, Value> = entries.into_iter().collect();
            if let Some((key, levels, shape, leaf)) = deep {
                map.insert(key, nest(leaf, levels, shape));
            }
            Payload(Attrs::from_map(map))
        })
}

/// A float for a typed field: usually finite (awkward or any), sometimes
/// NaN or an infinity, which JSON cannot hold.
fn typed_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => prop::sample::select(AWKWARD_FLOATS.to_vec()),
        4 => prop::num::f64::POSITIVE | prop::num::f64::NEGATIVE | prop::num::f64::NORMAL,
        1 => prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
    ]
}

/// A typed payload ([`ProfileChange`]) with arbitrary strings (rarely with a
/// NUL), a [`typed_float`] score, any `u64`, and dates and times anywhere
/// in years 1–9999.
fn profile_change() -> impl Strategy<Value = ProfileChange> {
    let role = prop_oneof![
        Just(Role::Guest),
        (0..3_652_059i32, option::of(any::<u8>())).prop_map(|(days, level)| Role::Member {
            since: NaiveDate::from_num_days_from_ce_opt(days + 1).expect("a date in 1..=9999"),
            level,
        }),
    ];
    let address = option::of(
        (text(12, 24), option::of(any::<u32>())).prop_map(|(street, zip)| Address { street, zip }),
    );
    let seen_at = (-62_135_596_800..253_402_300_800i64, 0..1_000_000_000u32)
        .prop_map(|(secs, nanos)| DateTime::<Utc>::from_timestamp(secs, nanos).expect("in range"));
    (
        (text(12, 12), option::of(text(8, 24)), role, address),
        (seen_at, option::of(any::<u128>().prop_map(Uuid::from_u128))),
        (typed_float(), any::<u64>(), vec(text(6, 24), 0..3)),
    )
        .prop_map(
            |((name, nickname, role, address), (seen_at, friend), (score, visits, tags))| {
                ProfileChange {
                    name,
                    nickname,
                    role,
                    address,
                    seen_at,
                    friend,
                    score,
                    visits,
                    tags,
                }
            },
        )
}

/// A [`Reading`]: a [`typed_float`] or none, and up to 3 more.
fn reading() -> impl Strategy<Value = Reading> {
    (option::of(typed_float()), vec(typed_float(), 0..3))
        .prop_map(|(value, samples)| Reading { value, samples })
}

// ---------------------------------------------------------------------------
// Running properties against the backends
// ---------------------------------------------------------------------------

/// How many cases each property runs: `PROPTEST_CASES`, or 64.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(64)
}

/// Runs `property` on [`cases`] values of `strategy`, shrinking a failure to
/// a minimal input (up to 2048 steps: a payload has many parts to shrink)
/// and panicking with it. Writes no regression file.
fn check<S: Strategy>(strategy: S, property: impl Fn(S::Value) -> Result<(), TestCaseError>) {
    let config = Config {
        cases: cases(),
        max_shrink_iters: 2048,
        failure_persistence: None,
        ..Config::default()
    };
    if let Err(error) = TestRunner::new(config).run(&strategy, property) {
        panic!("{error}");
    }
}

/// A runtime for one test function's cases (proptest's are synchronous).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// A fresh database of backend `D`, with the suite's log and
/// [`SensorEvents`] migrated.
async fn migrated<D: TestDb>() -> D {
    let db = D::create().await;
    let store = db.store();
    store
        .migrate::<TestEvents>()
        .await
        .expect("migrate TestEvents");
    store
        .migrate::<SensorEvents>()
        .await
        .expect("migrate SensorEvents");
    db
}

/// The SQLite and PostgreSQL databases of one test function.
struct Backends {
    sqlite: SqliteDb,
    postgres: PostgresDb,
}

impl Backends {
    async fn create() -> Self {
        Self {
            sqlite: migrated().await,
            postgres: migrated().await,
        }
    }
}

/// What a backend did with a write whose properties held.
#[derive(Debug, Clone, PartialEq)]
enum Outcome<T> {
    /// Written, and `get` replays to the state the write returned: `T`.
    Accepted(T),
    /// Refused with [`Error::Invalid`], nothing written: the fields named.
    Refused(BTreeSet<String>),
}

impl<T> Outcome<T> {
    /// The outcome with the accepted state mapped by `f`.
    fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        match self {
            Self::Accepted(state) => Outcome::Accepted(f(state)),
            Self::Refused(fields) => Outcome::Refused(fields),
        }
    }
}

/// Runs `write` on `db` and checks what every write must do:
///
/// - `Err(Error::Invalid(_))` writes nothing: `table` keeps its row count,
///   and the record given as `before` (an update's target) still replays
///   to its former state;
/// - `Ok(state)` is readable: `get` returns exactly `Some(state)`;
/// - any other error is a failure (a storage error, say).
///
/// `Err` describes the failure.
async fn checked_write<D, R>(
    db: &D,
    table: &str,
    write: impl Future<Output = spector::Result<R>>,
    id_of: fn(&R) -> Id<R>,
    before: Option<&R>,
) -> Result<Outcome<R>, String>
where
    D: TestDb,
    R: Changeset + PartialEq + fmt::Debug,
{
    let store = db.store();
    let rows = db.count_rows(table).await;
    match write.await {
        Err(Error::Invalid(invalid)) => {
            let written = db.count_rows(table).await - rows;
            if written != 0 {
                return Err(format!("refused ({invalid}) but wrote {written} row(s)"));
            }
            if let Some(before) = before {
                match store.get(id_of(before)).await {
                    Ok(Some(now)) if &now == before => {}
                    other => {
                        return Err(format!(
                            "refused ({invalid}) but the record changed: {other:?}"
                        ))
                    }
                }
            }
            Ok(Outcome::Refused(invalid.errors().keys().cloned().collect()))
        }
        Err(error) => Err(format!("neither written nor refused as invalid: {error:?}")),
        Ok(state) => match store.get(id_of(&state)).await {
            Ok(Some(replayed)) if replayed == state => Ok(Outcome::Accepted(state)),
            Ok(replayed) => Err(format!(
                "written, but replays to another state:\n  live:   {state:?}\n  replay: {replayed:?}"
            )),
            Err(error) => Err(format!("written, but unreadable: {error}")),
        },
    }
}

/// Inserts a [`Note`] with `payload`; the accepted state is its body.
async fn insert_note<D: TestDb>(db: &D, payload: &Attrs) -> Result<Outcome<Attrs>, String> {
    let write = db.store().insert::<Note>(payload.clone());
    let outcome = checked_write(db, "test_events", write, |note: &Note| note.id, None).await?;
    Ok(outcome.map(|note| note.body))
}

/// Inserts a [`Note`] with a plain payload, then updates it with `payload`;
/// the accepted state is the updated body. A fresh note per case keeps the
/// cases independent: a bad event written by one case cannot fail the next.
async fn update_note<D: TestDb>(db: &D, payload: &Attrs) -> Result<Outcome<Attrs>, String> {
    let store = db.store();
    let base: Note = store
        .insert(spector::attrs! { "base": 1 })
        .await
        .map_err(|e| format!("inserting the note to update failed: {e}"))?;
    let write = store.update(base.id, payload.clone());
    let outcome =
        checked_write(db, "test_events", write, |note: &Note| note.id, Some(&base)).await?;
    Ok(outcome.map(|note| note.body))
}

/// Inserts a [`Profile`] with the typed `change`; the accepted state is the
/// change the profile kept, which must be `change` itself.
async fn insert_profile<D: TestDb>(
    db: &D,
    change: &ProfileChange,
) -> Result<Outcome<ProfileChange>, String> {
    let write = db.store().insert::<Profile>(change.clone());
    let outcome = checked_write(
        db,
        "test_events",
        write,
        |profile: &Profile| profile.id,
        None,
    )
    .await?;
    match outcome {
        Outcome::Accepted(profile) if profile.changes == [change.clone()] => {
            Ok(Outcome::Accepted(change.clone()))
        }
        Outcome::Accepted(profile) => Err(format!(
            "kept another change than the one given: {:?}",
            profile.changes
        )),
        Outcome::Refused(fields) => Ok(Outcome::Refused(fields)),
    }
}

/// Inserts a [`Sensor`] with the typed `reading`; the accepted state is the
/// reading the sensor kept, which must be `reading` itself.
async fn insert_sensor<D: TestDb>(db: &D, reading: &Reading) -> Result<Outcome<Reading>, String> {
    let write = db.store().insert::<Sensor>(reading.clone());
    let outcome = checked_write(
        db,
        "sensor_events",
        write,
        |sensor: &Sensor| sensor.id,
        None,
    )
    .await?;
    match outcome {
        Outcome::Accepted(sensor) if sensor.readings == [reading.clone()] => {
            Ok(Outcome::Accepted(reading.clone()))
        }
        Outcome::Accepted(sensor) => Err(format!(
            "kept another reading than the one given: {:?}",
            sensor.readings
        )),
        Outcome::Refused(fields) => Ok(Outcome::Refused(fields)),
    }
}

/// Fails the case, naming the backend, when its write broke a property.
fn on<T>(backend: &str, outcome: Result<Outcome<T>, String>) -> Result<Outcome<T>, TestCaseError> {
    outcome.map_err(|failure| TestCaseError::fail(format!("{backend}: {failure}")))
}

/// Checks an untyped payload's outcome on one backend: refused exactly when
/// [`expected_refusal`] says so, and when accepted the body is the payload
/// up to how numbers are written.
fn untyped_outcome_is_expected(
    backend: &str,
    payload: &Attrs,
    outcome: &Outcome<Attrs>,
) -> Result<(), TestCaseError> {
    match (outcome, expected_refusal(payload)) {
        (Outcome::Accepted(body), None) => {
            let (body, given) = (Value::from(body.clone()), Value::from(payload.clone()));
            prop_assert!(
                same_json_up_to_numbers(&body, &given),
                "{backend}: the body is not the payload given: {body}"
            );
        }
        (Outcome::Refused(fields), None) => {
            prop_assert!(
                false,
                "{backend}: refused a storable payload, naming {fields:?}"
            );
        }
        (Outcome::Accepted(_), Some(reason)) => {
            prop_assert!(false, "{backend}: accepted a payload with {reason}");
        }
        (Outcome::Refused(fields), Some(_)) => {
            prop_assert!(!fields.is_empty(), "{backend}: refused naming no field");
        }
    }
    Ok(())
}

/// Checks a typed payload's outcome on one backend: refused exactly when
/// `expected` (the rules' verdict on it) says so.
fn typed_outcome_is_expected<T>(
    backend: &str,
    expected: Option<&str>,
    outcome: &Outcome<T>,
) -> Result<(), TestCaseError> {
    match (outcome, expected) {
        (Outcome::Accepted(_), None) => {}
        (Outcome::Refused(fields), None) => {
            prop_assert!(
                false,
                "{backend}: refused a storable payload, naming {fields:?}"
            );
        }
        (Outcome::Accepted(_), Some(reason)) => {
            prop_assert!(false, "{backend}: accepted a payload with {reason}");
        }
        (Outcome::Refused(fields), Some(_)) => {
            prop_assert!(!fields.is_empty(), "{backend}: refused naming no field");
        }
    }
    Ok(())
}

/// Checks that the two backends did the same: both accepted with equal
/// states, or both refused naming the same fields.
fn backends_agree<T: PartialEq + fmt::Debug>(
    sqlite: &Outcome<T>,
    postgres: &Outcome<T>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        sqlite,
        postgres,
        "SQLite (left) and PostgreSQL (right) disagree"
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

/// Inserts `payload` as an [`Entry`] of the hashed log [`ChainEvents`] and
/// verifies the whole chain: a payload the store accepts must hash the same
/// when read back (PostgreSQL's `jsonb` reorders keys and rewrites
/// numbers). `Err` describes the failure.
async fn hashed_insert_keeps_the_chain<D: TestDb>(db: &D, payload: &Attrs) -> Result<(), String> {
    let store = db.store();
    match store.insert::<Entry>(payload.clone()).await {
        Ok(_) | Err(Error::Invalid(_)) => {}
        Err(other) => return Err(format!("insert failed: {other}")),
    }
    match store.verify_hash_chain::<ChainEvents>().await {
        Ok(ChainCheck::Intact(_)) => Ok(()),
        Ok(ChainCheck::Broken(broken)) => Err(format!("the chain broke: {broken}")),
        Err(error) => Err(format!("verification failed: {error}")),
    }
}

/// Both backends: after any payload is inserted into a hashed log (or
/// refused), the chain verifies: the canonical JSON of what was stored and
/// read back is the canonical JSON that was hashed.
#[test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
fn accepted_payloads_keep_a_hashed_log_verifiable_on_both_backends() {
    let runtime = runtime();
    let db = runtime.block_on(Backends::create());
    runtime.block_on(async {
        db.sqlite.store().migrate::<ChainEvents>().await.unwrap();
        db.postgres.store().migrate::<ChainEvents>().await.unwrap();
    });
    check(payload(), |Payload(payload)| {
        runtime
            .block_on(hashed_insert_keeps_the_chain(&db.sqlite, &payload))
            .map_err(|failure| TestCaseError::fail(format!("SQLite: {failure}")))?;
        runtime
            .block_on(hashed_insert_keeps_the_chain(&db.postgres, &payload))
            .map_err(|failure| TestCaseError::fail(format!("PostgreSQL: {failure}")))
    });
}

/// SQLite alone (runs without a PostgreSQL server): an inserted note with
/// any payload replays to the state the insert returned, or is refused as
/// invalid writing nothing, exactly for the payloads the rules refuse.
#[test]
fn sqlite_insert_replays_or_refuses() {
    let runtime = runtime();
    let db: SqliteDb = runtime.block_on(migrated());
    check(payload(), |Payload(payload)| {
        let outcome = on("SQLite", runtime.block_on(insert_note(&db, &payload)))?;
        untyped_outcome_is_expected("SQLite", &payload, &outcome)
    });
}

/// Both backends: an inserted note with any payload replays to the state
/// the insert returned or is refused writing nothing, exactly for the
/// payloads the rules refuse, and SQLite and PostgreSQL agree.
#[test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
fn insert_replays_or_refuses_alike_on_both_backends() {
    let runtime = runtime();
    let db = runtime.block_on(Backends::create());
    check(payload(), |Payload(payload)| {
        let sqlite = on(
            "SQLite",
            runtime.block_on(insert_note(&db.sqlite, &payload)),
        )?;
        let postgres = on(
            "PostgreSQL",
            runtime.block_on(insert_note(&db.postgres, &payload)),
        )?;
        untyped_outcome_is_expected("SQLite", &payload, &sqlite)?;
        untyped_outcome_is_expected("PostgreSQL", &payload, &postgres)?;
        backends_agree(&sqlite, &postgres)
    });
}

/// Both backends: updating an existing note with any payload replays to
/// the state the update returned, or is refused leaving the note as it was,
/// exactly for the payloads the rules refuse, and the backends agree.
#[test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
fn update_replays_or_refuses_alike_on_both_backends() {
    let runtime = runtime();
    let db = runtime.block_on(Backends::create());
    check(payload(), |Payload(payload)| {
        let sqlite = on(
            "SQLite",
            runtime.block_on(update_note(&db.sqlite, &payload)),
        )?;
        let postgres = on(
            "PostgreSQL",
            runtime.block_on(update_note(&db.postgres, &payload)),
        )?;
        untyped_outcome_is_expected("SQLite", &payload, &sqlite)?;
        untyped_outcome_is_expected("PostgreSQL", &payload, &postgres)?;
        backends_agree(&sqlite, &postgres)
    });
}

/// Both backends: a typed payload comes back from replay exactly as given
/// (floats, `u64`, times, unicode), or is refused — for a non-finite float
/// or a NUL character — and the backends agree.
#[test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
fn typed_insert_replays_exactly_or_refuses_alike_on_both_backends() {
    let runtime = runtime();
    let db = runtime.block_on(Backends::create());
    check(profile_change(), |change| {
        let sqlite = on(
            "SQLite",
            runtime.block_on(insert_profile(&db.sqlite, &change)),
        )?;
        let postgres = on(
            "PostgreSQL",
            runtime.block_on(insert_profile(&db.postgres, &change)),
        )?;
        let expected = expected_typed_refusal(&change);
        typed_outcome_is_expected("SQLite", expected, &sqlite)?;
        typed_outcome_is_expected("PostgreSQL", expected, &postgres)?;
        backends_agree(&sqlite, &postgres)
    });
}

/// Both backends: a typed payload with optional and repeated floats comes
/// back exactly as given, or is refused when a float is not finite (never
/// stored as `null`, which would replay as `None`), and the backends agree.
#[test]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
fn typed_floats_replay_exactly_or_refuse_alike_on_both_backends() {
    let runtime = runtime();
    let db = runtime.block_on(Backends::create());
    check(reading(), |reading| {
        let sqlite = on(
            "SQLite",
            runtime.block_on(insert_sensor(&db.sqlite, &reading)),
        )?;
        let postgres = on(
            "PostgreSQL",
            runtime.block_on(insert_sensor(&db.postgres, &reading)),
        )?;
        let expected = expected_reading_refusal(&reading);
        typed_outcome_is_expected("SQLite", expected, &sqlite)?;
        typed_outcome_is_expected("PostgreSQL", expected, &postgres)?;
        backends_agree(&sqlite, &postgres)
    });
}

/// The generators reach every case the properties are about: storable
/// payloads, each kind of refusal, and depths on both sides of the limit
/// and past serde_json's read limit (checked on a fixed seed, no database).
#[test]
fn generators_cover_every_kind_of_payload() {
    let mut runner = TestRunner::deterministic();
    let mut seen = BTreeSet::new();
    let strategy = payload();
    for _ in 0..1024 {
        let Payload(payload) = strategy.new_tree(&mut runner).expect("a payload").current();
        seen.insert(expected_refusal(&payload).unwrap_or("storable"));
        match payload_depth(&payload) {
            MAX_PAYLOAD_DEPTH => seen.insert("depth at the limit"),
            d if d == MAX_PAYLOAD_DEPTH + 1 => seen.insert("depth one past the limit"),
            d if d > 128 => seen.insert("depth past serde_json's limit"),
            _ => false,
        };
        let map = payload.as_map();
        if map.keys().any(|k| k.contains('\0')) {
            seen.insert("NUL in a top-level key");
        }
        if map
            .values()
            .any(|v| matches!(v, Value::String(s) if s.contains('\0')))
        {
            seen.insert("NUL in a top-level string");
        }
        if map.keys().any(String::is_empty) {
            seen.insert("empty key");
        }
    }
    let strategy = profile_change();
    for _ in 0..256 {
        let change = strategy.new_tree(&mut runner).expect("a change").current();
        seen.insert(expected_typed_refusal(&change).unwrap_or("storable typed"));
    }
    let strategy = reading();
    for _ in 0..256 {
        let reading = strategy.new_tree(&mut runner).expect("a reading").current();
        if reading.value.is_some_and(|value| !value.is_finite()) {
            seen.insert("an optional non-finite float");
        }
    }
    let expected = [
        "storable",
        "storable typed",
        "a reserved key",
        "a NUL character",
        "a non-finite float",
        "an optional non-finite float",
        "nesting deeper than MAX_PAYLOAD_DEPTH",
        "depth at the limit",
        "depth one past the limit",
        "depth past serde_json's limit",
        "NUL in a top-level key",
        "NUL in a top-level string",
        "empty key",
    ];
    let missing: Vec<_> = expected
        .iter()
        .filter(|kind| !seen.contains(*kind))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}
