//! Typed record ids: a `Uuid` that says which record type it identifies.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::record::Evented;

/// The id of a record of type `R`: the id of its first event.
///
/// A record type may declare its id field as `id: Id<Self>` (or keep
/// `id: Uuid`); the store's operations take an `Id<R>`, so the record type
/// is inferred from the id and an event id cannot be passed by mistake as a
/// record id. It is stored and serialized as the plain UUID.
///
/// ```
/// use spector_core::Id;
/// # struct Chat;
///
/// let uuid = uuid::Uuid::now_v7();
/// let id: Id<Chat> = Id::new(uuid);
/// assert_eq!(id.uuid(), uuid);
/// assert_eq!(id.to_string(), uuid.to_string());
/// assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{uuid}\""));
/// ```
pub struct Id<R> {
    uuid: Uuid,
    record_type: PhantomData<fn() -> R>,
}

impl<R> Id<R> {
    /// The id `uuid` of a record of type `R`.
    pub const fn new(uuid: Uuid) -> Self {
        Self {
            uuid,
            record_type: PhantomData,
        }
    }

    /// The plain UUID.
    pub const fn uuid(self) -> Uuid {
        self.uuid
    }
}

impl<R> Clone for Id<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Id<R> {}

impl<R> PartialEq for Id<R> {
    fn eq(&self, other: &Self) -> bool {
        self.uuid == other.uuid
    }
}

impl<R> Eq for Id<R> {}

impl<R> PartialEq<Uuid> for Id<R> {
    fn eq(&self, other: &Uuid) -> bool {
        self.uuid == *other
    }
}

impl<R> PartialOrd for Id<R> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<R> Ord for Id<R> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.uuid.cmp(&other.uuid)
    }
}

impl<R> Hash for Id<R> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.uuid.hash(state);
    }
}

impl<R> Default for Id<R> {
    /// The nil UUID: the id of a record that is not stored yet.
    fn default() -> Self {
        Self::new(Uuid::nil())
    }
}

impl<R> fmt::Debug for Id<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.uuid, f)
    }
}

impl<R> fmt::Display for Id<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.uuid, f)
    }
}

impl<R> From<Id<R>> for Uuid {
    fn from(id: Id<R>) -> Self {
        id.uuid
    }
}

impl<R> Serialize for Id<R> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.uuid.serialize(serializer)
    }
}

impl<'de, R> Deserialize<'de> for Id<R> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Uuid::deserialize(deserializer).map(Self::new)
    }
}

/// What names a stored record of type `R` in a write: its [`Id`], or the
/// record itself (only its id is used; the state is rebuilt from the log).
pub trait IntoId<R> {
    /// The record's id.
    fn into_id(self) -> Id<R>;
}

impl<R> IntoId<R> for Id<R> {
    fn into_id(self) -> Id<R> {
        self
    }
}

impl<R: Evented> IntoId<R> for &R {
    fn into_id(self) -> Id<R> {
        self.id()
    }
}
