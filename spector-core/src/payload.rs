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

/// Serializes `value` into attrs, refusing what no backend would store and
/// read back as it was: a value that is not a JSON object, a float that is
/// not finite (JSON has no NaN or infinity), and whatever [`check`] refuses.
pub(crate) fn encode(value: &impl Serialize) -> Result<Attrs, Invalid> {
    let value = serde_path_to_error::serialize(value, Finite(serde_json::value::Serializer))
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
        other => {
            return Err(Invalid::new(
                "payload",
                format!("must serialize to a JSON object, got {other}"),
            ))
        }
    };
    check(&attrs)?;
    Ok(attrs)
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
        Value::Array(_) | Value::Object(_) if depth > MAX_PAYLOAD_DEPTH => Err(Invalid::new(
            path.as_str(),
            format!("nests deeper than {MAX_PAYLOAD_DEPTH} levels, the most a payload may"),
        )),
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

/// A serializer that refuses non-finite floats and otherwise does what the
/// serializer it wraps does (serde_json would write them as `null`).
struct Finite<S>(S);

/// A value serialized through [`Finite`].
struct Guarded<'a, T: ?Sized>(&'a T);

impl<T: ?Sized + Serialize> Serialize for Guarded<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Finite(serializer))
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
            self.0.serialize_f32(v)
        } else {
            Err(not_finite(f64::from(v)))
        }
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            self.0.serialize_f64(v)
        } else {
            Err(not_finite(v))
        }
    }

    fn serialize_bool(self, v: bool) -> Result<S::Ok, S::Error> {
        self.0.serialize_bool(v)
    }

    fn serialize_i8(self, v: i8) -> Result<S::Ok, S::Error> {
        self.0.serialize_i8(v)
    }

    fn serialize_i16(self, v: i16) -> Result<S::Ok, S::Error> {
        self.0.serialize_i16(v)
    }

    fn serialize_i32(self, v: i32) -> Result<S::Ok, S::Error> {
        self.0.serialize_i32(v)
    }

    fn serialize_i64(self, v: i64) -> Result<S::Ok, S::Error> {
        self.0.serialize_i64(v)
    }

    fn serialize_i128(self, v: i128) -> Result<S::Ok, S::Error> {
        self.0.serialize_i128(v)
    }

    fn serialize_u8(self, v: u8) -> Result<S::Ok, S::Error> {
        self.0.serialize_u8(v)
    }

    fn serialize_u16(self, v: u16) -> Result<S::Ok, S::Error> {
        self.0.serialize_u16(v)
    }

    fn serialize_u32(self, v: u32) -> Result<S::Ok, S::Error> {
        self.0.serialize_u32(v)
    }

    fn serialize_u64(self, v: u64) -> Result<S::Ok, S::Error> {
        self.0.serialize_u64(v)
    }

    fn serialize_u128(self, v: u128) -> Result<S::Ok, S::Error> {
        self.0.serialize_u128(v)
    }

    fn serialize_char(self, v: char) -> Result<S::Ok, S::Error> {
        self.0.serialize_char(v)
    }

    fn serialize_str(self, v: &str) -> Result<S::Ok, S::Error> {
        self.0.serialize_str(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        self.0.serialize_bytes(v)
    }

    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Guarded(value))
    }

    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_struct(name)
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Guarded(value))
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Guarded(value))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Finite)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Finite)
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Finite)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Finite)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Finite)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Finite)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Finite)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

impl<S: ser::SerializeSeq> ser::SerializeSeq for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.0.serialize_element(&Guarded(value))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeTuple> ser::SerializeTuple for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.0.serialize_element(&Guarded(value))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeTupleStruct> ser::SerializeTupleStruct for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.0.serialize_field(&Guarded(value))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeTupleVariant> ser::SerializeTupleVariant for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.0.serialize_field(&Guarded(value))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: ser::SerializeMap> ser::SerializeMap for Finite<S> {
    type Ok = S::Ok;
    type Error = S::Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), S::Error> {
        self.0.serialize_key(&Guarded(key))
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), S::Error> {
        self.0.serialize_value(&Guarded(value))
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
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
        self.0.serialize_field(key, &Guarded(value))
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
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
        self.0.serialize_field(key, &Guarded(value))
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(key)
    }

    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
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
