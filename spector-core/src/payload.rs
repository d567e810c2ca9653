//! What a payload must be to be stored: a JSON object that every backend
//! stores and reads back unchanged. Anything else is refused before a write
//! starts, with an [`Invalid`] naming the field.

use serde::ser::{self, Serialize, Serializer};
use serde_json::Value;

use crate::attrs::Attrs;
use crate::invalid::Invalid;

/// The deepest nesting of objects and arrays a payload may have (the
/// payload object itself is level 1). JSON parsers refuse deeper documents
/// when the row is read back (serde_json stops at 128), so the store
/// refuses them before writing.
pub const MAX_PAYLOAD_DEPTH: usize = 64;

/// The largest payload a store accepts unless told otherwise
/// ([`Store::with_max_payload_bytes`](crate::Store::with_max_payload_bytes)):
/// 1 MiB of JSON text. Events are read whole on every replay, so a payload
/// this large is already a file's content rather than a change.
pub const DEFAULT_MAX_PAYLOAD_BYTES: usize = 1024 * 1024;

/// True when the JSON text of `attrs` is at most `limit` bytes. The text is
/// counted, not kept, and the count stops as soon as it passes the limit.
pub(crate) fn fits(attrs: &Attrs, limit: usize) -> bool {
    /// A writer that only counts, and fails once past its limit.
    struct Count {
        bytes: usize,
        limit: usize,
    }
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.bytes += buf.len();
            if self.bytes > self.limit {
                Err(std::io::ErrorKind::FileTooLarge.into())
            } else {
                Ok(buf.len())
            }
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    serde_json::to_writer(Count { bytes: 0, limit }, attrs.as_map()).is_ok()
}

/// Drops `attrs` without recursion, however deeply its values nest (the
/// recursive drop of a value nested 100,000 levels deep would overflow the
/// stack).
pub(crate) fn dismantle(attrs: Attrs) {
    let mut values: Vec<Value> = attrs.into_map().into_iter().map(|(_, v)| v).collect();
    while let Some(value) = values.pop() {
        match value {
            Value::Array(items) => values.extend(items),
            Value::Object(map) => values.extend(map.into_iter().map(|(_, v)| v)),
            _ => {}
        }
    }
}

/// Serializes `value` into attrs, refusing what no backend would store and
/// read back as it was: a value that is not a JSON object, a float that is
/// not finite (JSON has no NaN or infinity), and whatever [`check`] refuses.
pub(crate) fn encode(value: &impl Serialize) -> Result<Attrs, Invalid> {
    encode_as(value, None)
}

/// [`encode`] for the payload of the action called `action`: a value that
/// is not a JSON object is refused naming the action.
pub(crate) fn encode_payload(action: &str, value: &impl Serialize) -> Result<Attrs, Invalid> {
    encode_as(value, Some(action))
}

/// [`encode`], naming `action` (when given) in the refusal of a value that
/// is not a JSON object.
fn encode_as(value: &impl Serialize, action: Option<&str>) -> Result<Attrs, Invalid> {
    let value =
        serde_path_to_error::serialize(value, Finite::at(serde_json::value::Serializer, 0, 0))
            .map_err(|error| {
                let path = error.path().to_string();
                let field = if path == "?" || path == "." {
                    "payload".to_owned()
                } else {
                    path
                };
                Invalid::new(field, error.into_inner().to_string())
            })?;
    let attrs = match value {
        Value::Object(map) => Attrs::from_map(map),
        other => return Err(Invalid::new("payload", not_an_object(action, &other))),
    };
    check(&attrs)?;
    Ok(attrs)
}

/// The message for a payload that serialized to `value`, not to an object.
fn not_an_object(action: Option<&str>, value: &Value) -> String {
    match action {
        Some(action) => format!(
            "the payload of `{action}` must serialize to a JSON object \
             (a struct with named fields, or a map), got {value}"
        ),
        None => format!("must serialize to a JSON object, got {value}"),
    }
}

/// Refuses attrs that a backend would not store and read back unchanged:
/// nesting deeper than [`MAX_PAYLOAD_DEPTH`], or a NUL character (`\u0000`)
/// in a string or a key, which PostgreSQL's `jsonb` cannot hold.
pub(crate) fn check(attrs: &Attrs) -> Result<(), Invalid> {
    let mut path = String::new();
    for (key, value) in attrs.as_map() {
        check_key(key, &path)?;
        path.push_str(key);
        check_value(value, 2, &mut path)?;
        path.clear();
    }
    Ok(())
}

/// Refuses a key with a NUL character; `path` leads to its object.
fn check_key(key: &str, path: &str) -> Result<(), Invalid> {
    if key.contains('\0') {
        let field = if path.is_empty() { "payload" } else { path };
        return Err(Invalid::new(
            field,
            "has a key with a NUL character (\\u0000), which PostgreSQL cannot store",
        ));
    }
    Ok(())
}

/// Checks one value at `depth` (its container's depth + 1); `path` leads to
/// it, written as serde writes paths (`items[0].name`).
fn check_value(value: &Value, depth: usize, path: &mut String) -> Result<(), Invalid> {
    match value {
        Value::String(text) if text.contains('\0') => Err(Invalid::new(
            path.as_str(),
            "contains a NUL character (\\u0000), which PostgreSQL cannot store",
        )),
        Value::Array(_) | Value::Object(_) if depth > MAX_PAYLOAD_DEPTH => {
            Err(Invalid::new(path.as_str(), too_deep()))
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let length = path.len();
                path.push_str(&format!("[{index}]"));
                check_value(item, depth + 1, path)?;
                path.truncate(length);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (key, item) in map {
                check_key(key, path)?;
                let length = path.len();
                path.push('.');
                path.push_str(key);
                check_value(item, depth + 1, path)?;
                path.truncate(length);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A serializer that refuses non-finite floats and nesting deeper than
/// [`MAX_PAYLOAD_DEPTH`], and otherwise does what the serializer it wraps
/// does (serde_json would write non-finite floats as `null`).
///
/// The depth is counted as containers are opened, before the value inside
/// is walked, so a value nested 100,000 levels deep is refused at level 65
/// instead of overflowing the stack. (Enum variants that serde writes as
/// an object around their content are not counted here; [`check`] counts
/// them exactly afterwards.)
struct Finite<S> {
    inner: S,
    /// The containers open around the value this serializer writes.
    depth: usize,
    /// The values serialized around this one: containers, and also the
    /// newtypes and options that add no level to the JSON but one to the
    /// recursion.
    steps: usize,
}

impl<S> Finite<S> {
    /// The serializer of a value inside a container at `depth`, `steps`
    /// values down.
    fn at(inner: S, depth: usize, steps: usize) -> Self {
        Self {
            inner,
            depth,
            steps,
        }
    }
}

impl<S: Serializer> Finite<S> {
    /// The depth of a container this serializer opens; an error past
    /// [`MAX_PAYLOAD_DEPTH`].
    fn open(&self) -> Result<usize, S::Error> {
        let depth = self.depth + 1;
        if depth > MAX_PAYLOAD_DEPTH {
            Err(ser::Error::custom(too_deep()))
        } else {
            Ok(depth)
        }
    }
}

/// The message for nesting deeper than [`MAX_PAYLOAD_DEPTH`].
fn too_deep() -> String {
    format!("nests deeper than {MAX_PAYLOAD_DEPTH} levels, the most a payload may")
}

/// How many values inside one another the serializer walks at most:
/// newtypes and options add no JSON level but a step of recursion, so a
/// value of `Option<Box<Self>>` nested 100,000 deep is refused here.
const MAX_STEPS: usize = 4 * MAX_PAYLOAD_DEPTH;

/// A value serialized through [`Finite`], inside containers `depth` deep,
/// `steps` values down.
struct Guarded<'a, T: ?Sized> {
    value: &'a T,
    depth: usize,
    steps: usize,
}

impl<T: ?Sized + Serialize> Serialize for Guarded<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.steps > MAX_STEPS {
            return Err(ser::Error::custom(format!(
                "nests more than {MAX_STEPS} values inside one another (newtypes and options \
                 count), the most a payload may"
            )));
        }
        self.value
            .serialize(Finite::at(serializer, self.depth, self.steps))
    }
}

/// The error for a float that JSON cannot hold.
fn not_finite<E: ser::Error>(value: f64) -> E {
    E::custom(format!(
        "is {value}, which JSON cannot hold: only finite numbers are stored"
    ))
}

impl<S: Serializer> Serializer for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Finite<S::SerializeSeq>;
    type SerializeTuple = Finite<S::SerializeTuple>;
    type SerializeTupleStruct = Finite<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Finite<S::SerializeTupleVariant>;
    type SerializeMap = Finite<S::SerializeMap>;
    type SerializeStruct = Finite<S::SerializeStruct>;
    type SerializeStructVariant = Finite<S::SerializeStructVariant>;

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            self.inner.serialize_f32(v)
        } else {
            Err(not_finite(f64::from(v)))
        }
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            self.inner.serialize_f64(v)
        } else {
            Err(not_finite(v))
        }
    }

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bool(v)
    }

    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i8(v)
    }

    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i16(v)
    }

    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i32(v)
    }

    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i64(v)
    }

    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.inner.serialize_i128(v)
    }

    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u8(v)
    }

    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u16(v)
    }

    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u32(v)
    }

    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u64(v)
    }

    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.inner.serialize_u128(v)
    }

    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.inner.serialize_char(v)
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_str(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.inner.serialize_bytes(v)
    }

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_none()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Guarded {
            value,
            depth: self.depth,
            steps: self.steps + 1,
        })
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit()
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_struct(name)
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(
            name,
            &Guarded {
                value,
                depth: self.depth,
                steps: self.steps + 1,
            },
        )
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        // `{"variant": value}`: the value is one object deeper.
        let depth = self.open()?;
        self.inner.serialize_newtype_variant(
            name,
            index,
            variant,
            &Guarded {
                value,
                depth,
                steps: self.steps + 1,
            },
        )
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        let (depth, steps) = (self.open()?, self.steps);
        self.inner
            .serialize_seq(len)
            .map(|inner| Finite::at(inner, depth, steps))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        let (depth, steps) = (self.open()?, self.steps);
        self.inner
            .serialize_tuple(len)
            .map(|inner| Finite::at(inner, depth, steps))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        let (depth, steps) = (self.open()?, self.steps);
        self.inner
            .serialize_tuple_struct(name, len)
            .map(|inner| Finite::at(inner, depth, steps))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        let (depth, steps) = (self.open()?, self.steps);
        self.inner
            .serialize_tuple_variant(name, index, variant, len)
            .map(|inner| Finite::at(inner, depth, steps))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        let (depth, steps) = (self.open()?, self.steps);
        self.inner
            .serialize_map(len)
            .map(|inner| Finite::at(inner, depth, steps))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        let (depth, steps) = (self.open()?, self.steps);
        self.inner
            .serialize_struct(name, len)
            .map(|inner| Finite::at(inner, depth, steps))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        let (depth, steps) = (self.open()?, self.steps);
        self.inner
            .serialize_struct_variant(name, index, variant, len)
            .map(|inner| Finite::at(inner, depth, steps))
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<S: ser::SerializeSeq> ser::SerializeSeq for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.inner.serialize_element(&Guarded {
            value,
            depth: self.depth,
            steps: self.steps + 1,
        })
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

impl<S: ser::SerializeTuple> ser::SerializeTuple for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.inner.serialize_element(&Guarded {
            value,
            depth: self.depth,
            steps: self.steps + 1,
        })
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

impl<S: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.inner.serialize_field(&Guarded {
            value,
            depth: self.depth,
            steps: self.steps + 1,
        })
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

impl<S: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.inner.serialize_field(&Guarded {
            value,
            depth: self.depth,
            steps: self.steps + 1,
        })
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

impl<S: ser::SerializeMap> ser::SerializeMap for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), S::Error> {
        self.inner.serialize_key(&Guarded {
            value: key,
            depth: self.depth,
            steps: self.steps + 1,
        })
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.inner.serialize_value(&Guarded {
            value,
            depth: self.depth,
            steps: self.steps + 1,
        })
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

impl<S: ser::SerializeStruct> ser::SerializeStruct for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        self.inner.serialize_field(
            key,
            &Guarded {
                value,
                depth: self.depth,
                steps: self.steps + 1,
            },
        )
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

impl<S: ser::SerializeStructVariant> ser::SerializeStructVariant for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), S::Error> {
        self.inner.serialize_field(
            key,
            &Guarded {
                value,
                depth: self.depth,
                steps: self.steps + 1,
            },
        )
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.inner.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.inner.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct Reading {
        sensor: &'static str,
        values: Vec<f64>,
    }

    #[test]
    fn a_non_finite_float_is_refused_naming_its_path() {
        let reading = Reading {
            sensor: "t1",
            values: vec![1.5, f64::NAN],
        };
        let invalid = encode(&reading).unwrap_err();
        assert_eq!(
            invalid.messages("values[1]"),
            ["is NaN, which JSON cannot hold: only finite numbers are stored"]
        );
        let infinite = Reading {
            sensor: "t1",
            values: vec![f64::INFINITY],
        };
        assert_eq!(encode(&infinite).unwrap_err().errors().len(), 1);
    }

    #[test]
    fn finite_floats_and_everything_else_encode_as_serde_json_does() {
        let reading = Reading {
            sensor: "t1",
            values: vec![1.5, -0.0, 1e300],
        };
        let expected = serde_json::to_value(&reading).unwrap();
        assert_eq!(Value::from(encode(&reading).unwrap()), expected);
    }

    #[test]
    fn nesting_is_limited_with_the_path_of_the_deepest_allowed_container() {
        let mut value = serde_json::json!(1);
        for _ in 0..MAX_PAYLOAD_DEPTH - 1 {
            value = serde_json::json!([value]);
        }
        let fits = Attrs::from_map(serde_json::Map::from_iter([(
            "a".to_owned(),
            value.clone(),
        )]));
        assert!(check(&fits).is_ok());
        let deeper = Attrs::from_map(serde_json::Map::from_iter([(
            "a".to_owned(),
            serde_json::json!([value]),
        )]));
        let invalid = check(&deeper).unwrap_err();
        let (field, messages) = invalid.errors().iter().next().unwrap();
        assert!(field.starts_with("a[0][0]"), "{field}");
        assert_eq!(
            messages,
            &["nests deeper than 64 levels, the most a payload may"]
        );
    }

    /// A chain of newtypes and options, `Link(Some(Box<Link>))`.
    #[derive(serde::Serialize)]
    struct Link(Option<Box<Link>>);

    #[derive(serde::Serialize)]
    struct Holder {
        chain: Link,
    }

    /// `links` links, built and (by the caller) taken apart without
    /// recursion.
    fn chain(links: usize) -> Link {
        (1..links).fold(Link(None), |inner, _| Link(Some(Box::new(inner))))
    }

    #[test]
    fn the_serializer_walks_exactly_max_steps_values_deep() {
        // The k-th link is serialized `2k - 1` values down and its option
        // `2k`: a chain of n links is 2n steps deep.
        let fits = Holder {
            chain: chain(MAX_STEPS / 2),
        };
        assert!(encode(&fits).is_ok());
        let deeper = Holder {
            chain: chain(MAX_STEPS / 2 + 1),
        };
        let invalid = encode(&deeper).unwrap_err();
        assert!(invalid.to_string().contains("newtypes and options count"));
    }

    #[test]
    fn dismantle_takes_apart_objects_and_arrays_nested_beyond_any_stack() {
        let mut value = Value::from(1);
        for level in 0..200_000 {
            value = if level % 2 == 0 {
                Value::Array(vec![value])
            } else {
                Value::Object(serde_json::Map::from_iter([("k".to_owned(), value)]))
            };
        }
        let mut attrs = Attrs::new();
        attrs.insert("deep", value);
        // A recursive drop of either kind of level would overflow here.
        dismantle(attrs);
    }

    #[test]
    fn a_nul_character_is_refused_in_values_and_keys() {
        let value = Attrs::from_map(serde_json::Map::from_iter([(
            "note".to_owned(),
            serde_json::json!({ "text": ["ok", "bad\u{0}"] }),
        )]));
        assert_eq!(
            check(&value).unwrap_err().messages("note.text[1]"),
            ["contains a NUL character (\\u0000), which PostgreSQL cannot store"]
        );
        let key = Attrs::from_map(serde_json::Map::from_iter([(
            "bad\u{0}key".to_owned(),
            serde_json::json!(1),
        )]));
        assert_eq!(
            check(&key).unwrap_err().messages("payload"),
            ["has a key with a NUL character (\\u0000), which PostgreSQL cannot store"]
        );
    }
}
