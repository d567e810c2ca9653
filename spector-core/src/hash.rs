//! The hash chain of a hashed log: every event's SHA-256 hash covers its
//! row, its links and the stored hash of the table's previous event.
//!
//! # The hash input, version 1
//!
//! All integers are big-endian; `‖` is concatenation.
//!
//! ```text
//! "spector-event-v1\n"                        17 bytes, the domain tag
//! u32 length of prev ‖ prev                   the previous event's stored hash
//!                                             (empty for the table's first event)
//! id ‖ parent_id                              16 + 16 bytes (UUID bytes)
//! i32 schema ‖ i32 action                     the stored integers, not names
//! i64 inserted_at                             microseconds since 1970, UTC
//! u32 number of links, then per link,         sorted by name, target, kind
//!     u32 length of name ‖ name ‖ target      (UTF-8; 16 bytes)
//!     [‖ i32 kind]                            only for a typed link
//! u64 length of payload ‖ payload             the canonical JSON below
//! ```
//!
//! The canonical JSON of a payload: object keys sorted by their UTF-8 bytes
//! at every depth; no whitespace; numbers canonicalized as every stored
//! payload is (a float holding an integer is that integer) and written as
//! `serde_json` writes them (integers in full, other floats in their
//! shortest round-trip form); strings escaped as JSON requires and nothing
//! more (`"` `\` and control characters; `/` and non-ASCII as they are).
//!
//! The test vector (also a unit test below): the first event of a table,
//! id `0190d1a0-0000-7000-8000-000000000001` as its own record, schema 0,
//! action 1, at 2024-07-01T00:00:00Z, no links, payload
//! `{"b": [1, 2.0, "é\n"], "a": {"z": null, "y": true}}`, whose canonical
//! JSON is `{"a":{"y":true,"z":null},"b":[1,2,"é\n"]}`, hashes to
//! `4105c158add87a029243d9c33933d5e531f97364c1e4fc2c225e30d861944832`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::event::Event;
use crate::invalid::Invalid;

/// The domain tag that starts every hash input (version 1 of the layout).
const DOMAIN: &[u8] = b"spector-event-v1\n";

/// The SHA-256 hash of an event in a hashed log.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct EventHash([u8; 32]);

impl EventHash {
    /// The hash's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The hash from stored bytes; `None` unless there are exactly 32.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Self)
    }

    /// The hash of `event`, which follows an event whose stored hash is
    /// `previous` (`None` for the first event of the table). The event's
    /// own `hash` is not part of the input.
    pub fn of(previous: Option<&[u8]>, event: &Event) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(DOMAIN);
        let previous = previous.unwrap_or_default();
        hasher.update(length_u32(previous.len()).to_be_bytes());
        hasher.update(previous);
        hasher.update(event.id.as_bytes());
        hasher.update(event.parent_id.as_bytes());
        hasher.update(event.schema_index.to_be_bytes());
        hasher.update(event.action_code.to_be_bytes());
        hasher.update(event.inserted_at.timestamp_micros().to_be_bytes());
        let mut links: Vec<_> = event
            .links
            .iter()
            .map(|link| (link.name, link.target, link.kind))
            .collect();
        links.sort_unstable();
        hasher.update(length_u32(links.len()).to_be_bytes());
        for (name, target, kind) in links {
            hasher.update(length_u32(name.len()).to_be_bytes());
            hasher.update(name.as_bytes());
            hasher.update(target.as_bytes());
            if let Some(kind) = kind {
                hasher.update(kind.to_be_bytes());
            }
        }
        let mut payload = event.payload.clone();
        payload.canonicalize_numbers();
        let json = canonical_json(&Value::from(payload));
        hasher.update((json.len() as u64).to_be_bytes());
        hasher.update(json.as_bytes());
        Self(hasher.finalize().into())
    }
}

impl fmt::Display for EventHash {
    /// Lowercase hex.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl FromStr for EventHash {
    type Err = Invalid;

    /// The hash from 64 hex digits, as [`Display`](fmt::Display) writes it.
    fn from_str(text: &str) -> Result<Self, Invalid> {
        let invalid = || Invalid::new("hash", "must be 64 hex digits");
        if text.len() != 64 || !text.is_ascii() {
            return Err(invalid());
        }
        let mut bytes = [0; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| invalid())?;
        }
        Ok(Self(bytes))
    }
}

impl Serialize for EventHash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for EventHash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Debug for EventHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventHash({self})")
    }
}

/// A length as the `u32` of the hash input. Lengths that do not fit
/// (a name or list of 4 GiB) cannot come from a payload a database stores.
fn length_u32(length: usize) -> u32 {
    u32::try_from(length).unwrap_or(u32::MAX)
}

/// `value` as canonical JSON: keys sorted by their UTF-8 bytes at every
/// depth, no whitespace (see the module documentation).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            // serde_json's map is sorted already, unless another crate in
            // the build turns on its `preserve_order` feature: sort anyway.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_canonical(value, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::String(text) => write_string(text, out),
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// A JSON string, escaped as `serde_json` escapes it.
fn write_string(text: &str, out: &mut String) {
    out.push_str(&Value::from(text).to_string());
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use serde_json::json;
    use uuid::Uuid;

    use super::*;
    use crate::attrs::Attrs;
    use crate::link::Link;

    fn vector_event() -> Event {
        let id = Uuid::parse_str("0190d1a0-0000-7000-8000-000000000001").unwrap();
        let Value::Object(payload) = json!({"b": [1, 2.0, "é\n"], "a": {"z": null, "y": true}})
        else {
            unreachable!()
        };
        Event {
            id,
            parent_id: id,
            schema_index: 0,
            action_code: 1,
            payload: Attrs::from_map(payload),
            inserted_at: DateTime::parse_from_rfc3339("2024-07-01T00:00:00Z")
                .unwrap()
                .into(),
            links: Vec::new(),
            hash: None,
        }
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth_without_whitespace() {
        let mut payload = vector_event().payload;
        payload.canonicalize_numbers();
        assert_eq!(
            canonical_json(&Value::from(payload)),
            r#"{"a":{"y":true,"z":null},"b":[1,2,"é\n"]}"#
        );
    }

    #[test]
    fn the_documented_test_vector_holds() {
        assert_eq!(
            EventHash::of(None, &vector_event()).to_string(),
            "4105c158add87a029243d9c33933d5e531f97364c1e4fc2c225e30d861944832"
        );
    }

    #[test]
    fn keys_in_another_order_hash_the_same() {
        let mut other = vector_event();
        let Value::Object(payload) = json!({"a": {"y": true, "z": null}, "b": [1, 2, "é\n"]})
        else {
            unreachable!()
        };
        other.payload = Attrs::from_map(payload);
        assert_eq!(
            EventHash::of(None, &other),
            EventHash::of(None, &vector_event())
        );
    }

    #[test]
    fn every_part_of_the_row_changes_the_hash() {
        let base = vector_event();
        let hash = EventHash::of(None, &base);
        let mut changed = Vec::new();
        let mut edit = |change: &dyn Fn(&mut Event)| {
            let mut event = base.clone();
            change(&mut event);
            changed.push(EventHash::of(None, &event));
        };
        edit(&|e| e.id = Uuid::now_v7());
        edit(&|e| e.parent_id = Uuid::now_v7());
        edit(&|e| e.schema_index = 1);
        edit(&|e| e.action_code = 2);
        edit(&|e| e.inserted_at += chrono::TimeDelta::microseconds(1));
        edit(&|e| e.payload.insert("c", 1));
        edit(&|e| e.links.push(Link::new("edits", e.id)));
        edit(&|e| {
            e.links.push(Link {
                name: "edits",
                target: e.id,
                kind: Some(0),
            })
        });
        assert!(changed.iter().all(|other| *other != hash));
        assert_ne!(changed[6], changed[7], "a link's kind is hashed");
        assert_ne!(
            EventHash::of(Some(hash.as_bytes()), &base),
            hash,
            "the previous hash is part of the input"
        );
    }

    #[test]
    fn a_hash_reads_back_from_its_hex() {
        let hash = EventHash::of(None, &vector_event());
        assert_eq!(hash.to_string().parse::<EventHash>(), Ok(hash));
        let json = serde_json::to_string(&hash).unwrap();
        assert_eq!(json, format!("\"{hash}\""));
        assert_eq!(serde_json::from_str::<EventHash>(&json).unwrap(), hash);
        assert!("ab".parse::<EventHash>().is_err());
        assert!("zz".repeat(32).parse::<EventHash>().is_err());
    }

    #[test]
    fn links_hash_the_same_in_any_order() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let link = Link::new;
        let mut one = vector_event();
        one.links = vec![link("mentions", b), link("edits", a), link("mentions", a)];
        let mut other = vector_event();
        other.links = vec![link("mentions", a), link("mentions", b), link("edits", a)];
        assert_eq!(EventHash::of(None, &one), EventHash::of(None, &other));
    }
}
