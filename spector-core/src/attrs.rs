//! Attrs: the attributes of one operation, a JSON object.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::invalid::Invalid;

/// Names of the attrs that Spector adds to every event's payload.
pub mod reserved {
    /// The version of the record type that wrote the event.
    pub const VERSION: &str = "__version__";
    /// The id of the event itself.
    pub const EVENT_ID: &str = "__event_id__";
    /// When the record was created (insert only, unless the caller set it).
    pub const INSERTED_AT: &str = "inserted_at";
    /// When the event was written.
    pub const UPDATED_AT: &str = "updated_at";
    /// Every reserved key: the store writes them, a payload may not.
    pub const ALL: [&str; 4] = [VERSION, EVENT_ID, INSERTED_AT, UPDATED_AT];
}

/// A JSON object: the stored form of every payload, and the payload of an
/// action declared without a type (`actions(edit)`, Spector's dynamic form).
///
/// Build them with [`attrs!`](crate::attrs!), read them with typed
/// [`get`](Attrs::get) / [`fetch`](Attrs::fetch) / [`get_or`](Attrs::get_or),
/// or [`decode`](Attrs::decode) them into a struct.
///
/// ```
/// use spector_core::{attrs, Attrs};
///
/// let attrs = attrs! { "content": "Hello everyone!", "likes": 3 };
/// assert_eq!(attrs.fetch::<String>("content").unwrap(), "Hello everyone!");
/// assert_eq!(attrs.get::<u32>("likes").unwrap(), Some(3));
/// assert_eq!(attrs.get_or("shares", 0u32).unwrap(), 0);
/// assert!(attrs.fetch::<String>("user_id").is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Attrs(Map<String, Value>);

impl Attrs {
    /// No attrs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attrs from a JSON object.
    pub fn from_map(map: Map<String, Value>) -> Self {
        Self(map)
    }

    /// Attrs from any JSON value: an object becomes the attrs, anything else
    /// is refused as invalid `attrs`.
    ///
    /// # Errors
    ///
    /// [`Invalid`] on `attrs` when `value` is not an object.
    pub fn from_value(value: Value) -> Result<Self, Invalid> {
        match value {
            Value::Object(map) => Ok(Self(map)),
            other => Err(Invalid::new(
                "attrs",
                format!("must be a JSON object, got {other}"),
            )),
        }
    }

    /// Serializes a payload into attrs, refusing what a backend would not
    /// store and read back unchanged.
    ///
    /// ```
    /// use spector_core::{attrs, Attrs};
    ///
    /// #[derive(serde::Serialize)]
    /// struct Post { content: &'static str }
    ///
    /// assert_eq!(Attrs::encode(&Post { content: "Hi" }).unwrap(), attrs! { "content": "Hi" });
    /// assert!(Attrs::encode(&42).is_err());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Invalid`] on `payload` when `value` does not serialize to a JSON
    /// object (or fails to serialize at all); on the field's path for a
    /// float that is not finite, a NUL character (`\u0000`) in a string or
    /// key, or nesting deeper than [`MAX_PAYLOAD_DEPTH`](crate::MAX_PAYLOAD_DEPTH).
    pub fn encode(value: &impl Serialize) -> Result<Self, Invalid> {
        crate::payload::encode(value)
    }

    /// The JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The JSON object, owned.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// The raw JSON value of `key`, if present.
    pub fn raw(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// True when `key` is present (even as `null`).
    pub fn contains(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Sets `key` to a JSON value, replacing what was there.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        self.0.insert(key.into(), value.into());
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.0.remove(key)
    }

    /// Rewrites every float that holds an integer within `i64`/`u64` range
    /// as that integer (`5.0` → `5`, `1e19` → `10000000000000000000`).
    ///
    /// PostgreSQL's `jsonb` stores numbers as decimals, so a float written
    /// with an exponent (`1e19`) reads back as an integer; Spector
    /// canonicalizes every payload this way before the transition sees it,
    /// so that the live state equals the replayed one on every backend.
    ///
    pub(crate) fn canonicalize_numbers(&mut self) {
        self.0.values_mut().for_each(canonicalize_numbers);
    }

    /// The value of `key` decoded as `T`; `None` when absent or `null`.
    ///
    /// A value of the wrong type is an [`Invalid`] error on `key`.
    ///
    /// # Errors
    ///
    /// [`Invalid`] on `key` when its value is not a `T`.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, Invalid> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => T::deserialize(value)
                .map(Some)
                .map_err(|e| Invalid::new(key, format!("is invalid: {e}"))),
        }
    }

    /// The value of `key` decoded as `T`; absent or `null` is an [`Invalid`]
    /// error `"can't be blank"` on `key`.
    ///
    /// # Errors
    ///
    /// [`Invalid`] on `key` when it is absent, `null` or not a `T`.
    pub fn fetch<T: DeserializeOwned>(&self, key: &str) -> Result<T, Invalid> {
        self.get(key)?
            .ok_or_else(|| Invalid::new(key, "can't be blank"))
    }

    /// Refuses the attrs unless every one of `fields` is present and not
    /// blank (`null`, or a string of only whitespace), like Ecto's
    /// `validate_required`. Every missing field gets `"can't be blank"`.
    ///
    /// ```
    /// use spector_core::attrs;
    ///
    /// let attrs = attrs! { "user_id": "u1", "content": "  " };
    /// let invalid = attrs.validate_required(&["user_id", "content", "topic"]).unwrap_err();
    /// assert_eq!(invalid.to_string(), "content: can't be blank; topic: can't be blank");
    /// assert!(attrs.validate_required(&["user_id"]).is_ok());
    /// ```
    ///
    /// # Errors
    ///
    /// [`Invalid`] with `"can't be blank"` on every blank field.
    pub fn validate_required(&self, fields: &[&str]) -> Result<(), Invalid> {
        let mut invalid = Invalid::default();
        for field in fields {
            let blank = match self.0.get(*field) {
                None | Some(Value::Null) => true,
                Some(Value::String(text)) => text.trim().is_empty(),
                Some(_) => false,
            };
            if blank {
                invalid.add(*field, "can't be blank");
            }
        }
        if invalid.is_empty() {
            Ok(())
        } else {
            Err(invalid)
        }
    }

    /// The value of `key` decoded as `T`, or `default` when absent or `null`.
    ///
    /// # Errors
    ///
    /// [`Invalid`] on `key` when its value is not a `T`.
    pub fn get_or<T: DeserializeOwned>(&self, key: &str, default: T) -> Result<T, Invalid> {
        Ok(self.get(key)?.unwrap_or(default))
    }

    /// Decodes the attrs into a struct `T`, ignoring keys `T` does not know.
    ///
    /// A missing field is an [`Invalid`] error `"can't be blank"` on it; a
    /// value of the wrong type an error on its path.
    ///
    /// # Errors
    ///
    /// [`Invalid`] naming the field that is missing or malformed.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, Invalid> {
        self.clone().into_decoded()
    }

    /// Decodes the attrs into `T` like [`decode`](Attrs::decode), consuming
    /// them (no copy).
    ///
    /// # Errors
    ///
    /// [`Invalid`] naming the field that is missing or malformed.
    pub fn into_decoded<T: DeserializeOwned>(self) -> Result<T, Invalid> {
        let value = Value::Object(self.0);
        let decoded = if unknown_keys::collecting() {
            let mut ignored = |path: serde_ignored::Path<'_>| unknown_keys::push(path.to_string());
            serde_path_to_error::deserialize(serde_ignored::Deserializer::new(value, &mut ignored))
        } else {
            serde_path_to_error::deserialize(value)
        };
        decoded.map_err(|error| {
            let path = error.path().to_string();
            let message = error.into_inner().to_string();
            match missing_field(&message) {
                Some(field) if path == "." => Invalid::new(field, "can't be blank"),
                Some(field) => Invalid::new(format!("{path}.{field}"), "can't be blank"),
                None => Invalid::new(path, format!("is invalid: {message}")),
            }
        })
    }
}

/// The keys a decode ignored, collected on the live by-name path only:
/// there a key the payload type does not know is a caller's mistake (a
/// misspelt field), while a stored event's extra keys are history and
/// replay ignores them.
pub(crate) mod unknown_keys {
    use std::cell::RefCell;

    thread_local! {
        /// The keys ignored so far, while [`collect`] runs.
        static KEYS: RefCell<Option<Vec<String>>> = const { RefCell::new(None) };
    }

    /// Runs `decode` (synchronous, on this thread) and returns what it
    /// returned with the paths of the keys it ignored (`agnet`,
    /// `address.strete`).
    pub(crate) fn collect<T>(decode: impl FnOnce() -> T) -> (T, Vec<String>) {
        let outer = KEYS.with(|keys| keys.replace(Some(Vec::new())));
        let result = decode();
        let ignored = KEYS.with(|keys| keys.replace(outer)).unwrap_or_default();
        (result, ignored)
    }

    /// True while [`collect`] runs on this thread.
    pub(super) fn collecting() -> bool {
        KEYS.with(|keys| keys.borrow().is_some())
    }

    /// Records an ignored key.
    pub(super) fn push(path: String) {
        KEYS.with(|keys| {
            if let Some(keys) = keys.borrow_mut().as_mut() {
                keys.push(path);
            }
        });
    }
}

/// See [`Attrs::canonicalize_numbers`].
fn canonicalize_numbers(value: &mut Value) {
    match value {
        Value::Number(number) if number.is_f64() => {
            let float = number.as_f64().unwrap_or(f64::NAN);
            if float.fract() == 0.0 {
                if (i64::MIN as f64..i64::MAX as f64).contains(&float) {
                    *value = Value::from(float as i64);
                } else if (0.0..u64::MAX as f64).contains(&float) {
                    *value = Value::from(float as u64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(canonicalize_numbers),
        Value::Object(map) => map.values_mut().for_each(canonicalize_numbers),
        _ => {}
    }
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

impl From<Map<String, Value>> for Attrs {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl From<Attrs> for Value {
    fn from(attrs: Attrs) -> Self {
        Value::Object(attrs.0)
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Attrs {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// Builds [`Attrs`] from `"key": value` pairs, with the syntax of
/// `serde_json::json!` inside an object: each value is any `Serialize`
/// expression or JSON literal.
///
/// ```
/// use spector_core::attrs;
/// use uuid::Uuid;
///
/// let user_id = Uuid::now_v7();
/// let attrs = attrs! { "user_id": user_id, "content": "Hello everyone!" };
/// assert_eq!(attrs.fetch::<Uuid>("user_id").unwrap(), user_id);
/// ```
#[macro_export]
macro_rules! attrs {
    ($($body:tt)*) => {
        match $crate::__private::json!({ $($body)* }) {
            $crate::__private::Value::Object(map) => $crate::Attrs::from_map(map),
            _ => ::core::unreachable!("a JSON object literal is an object"),
        }
    };
}
