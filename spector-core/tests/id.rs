//! Typed record ids: a `Uuid` in every respect but its type.

use std::collections::hash_map::RandomState;
use std::collections::HashSet;
use std::hash::BuildHasher;

use spector::{event_log, Evented, Id, IntoId};
use uuid::Uuid;

/// A record type whose id field is typed.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = IdEvents)]
struct Typed {
    id: Id<Typed>,
    title: String,
}

/// A record type whose id field is a plain `Uuid`.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = IdEvents)]
struct Plain {
    id: Uuid,
}

event_log!(IdEvents {
    table: "id_events",
    schemas: [Typed, Plain]
});

/// Three UUIDs in ascending order, the first two differing in their last
/// byte only and the third in its first.
fn ascending() -> [Uuid; 3] {
    let ids = [
        Uuid::from_u128(0x0100),
        Uuid::from_u128(0x0101),
        Uuid::from_u128(0x0200_0000_0000_0000_0000_0000_0000_0000),
    ];
    assert!(ids[0] < ids[1] && ids[1] < ids[2]);
    ids
}

#[test]
fn ids_are_equal_when_their_uuids_are() {
    let uuid = Uuid::now_v7();
    let id: Id<Typed> = Id::new(uuid);
    assert_eq!(id, Id::new(uuid));
    assert_ne!(id, Id::new(Uuid::now_v7()));
    assert_eq!(id, uuid);
    assert_eq!(id.uuid(), uuid);
    assert_eq!(Uuid::from(id), uuid);
    assert_eq!(Id::<Typed>::default(), Uuid::nil());
}

#[test]
fn ids_order_like_their_uuids() {
    let [a, b, c] = ascending();
    let mut ids: Vec<Id<Typed>> = vec![Id::new(c), Id::new(a), Id::new(b)];
    ids.sort();
    assert_eq!(ids, [Id::new(a), Id::new(b), Id::new(c)]);
    assert!(Id::<Typed>::new(a) < Id::new(b));
    assert_eq!(
        Id::<Typed>::new(b).cmp(&Id::new(b)),
        std::cmp::Ordering::Equal
    );
    assert_eq!(
        Id::<Typed>::new(c).partial_cmp(&Id::new(a)),
        Some(std::cmp::Ordering::Greater)
    );
}

#[test]
fn ids_hash_like_their_uuids() {
    let uuid = Uuid::now_v7();
    let state = RandomState::new();
    assert_eq!(state.hash_one(Id::<Typed>::new(uuid)), state.hash_one(uuid));
    let set: HashSet<Id<Typed>> = [uuid, uuid, Uuid::now_v7()]
        .into_iter()
        .map(Id::new)
        .collect();
    assert_eq!(set.len(), 2);
    assert!(set.contains(&Id::new(uuid)));
}

#[test]
fn ids_print_as_their_uuids() {
    let uuid = Uuid::now_v7();
    let id: Id<Typed> = Id::new(uuid);
    assert_eq!(id.to_string(), uuid.to_string());
    assert_eq!(format!("{id:?}"), format!("{uuid:?}"));
}

#[test]
fn ids_serialize_as_a_plain_uuid_string() {
    let uuid = Uuid::now_v7();
    let id: Id<Typed> = Id::new(uuid);
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, format!("\"{uuid}\""));
    assert_eq!(serde_json::from_str::<Id<Typed>>(&json).unwrap(), id);
    // Interchangeable with a plain `Uuid` on the wire.
    assert_eq!(serde_json::from_str::<Uuid>(&json).unwrap(), uuid);
    assert_eq!(
        serde_json::to_value(id).unwrap(),
        serde_json::to_value(uuid).unwrap()
    );
    assert!(serde_json::from_str::<Id<Typed>>("\"not a uuid\"").is_err());
    assert!(serde_json::from_str::<Id<Typed>>("42").is_err());
}

#[test]
fn a_record_names_its_own_id() {
    let uuid = Uuid::now_v7();
    let typed = Typed::fresh(Id::new(uuid));
    assert_eq!(typed.id, uuid);
    assert_eq!(typed.title, "", "every other field at its default");
    assert_eq!(typed.id(), Id::new(uuid));
    assert_eq!(IntoId::<Typed>::into_id(&typed), Id::new(uuid));

    let plain = Plain::fresh(Id::new(uuid));
    assert_eq!(plain.id, uuid);
    assert_eq!(plain.id(), Id::<Plain>::new(uuid));
    assert_eq!(IntoId::<Plain>::into_id(&plain), Id::new(uuid));
    assert_eq!(IntoId::into_id(Id::<Plain>::new(uuid)), Id::new(uuid));
}

#[test]
fn an_id_differs_from_every_other_uuid() {
    let id: Id<Typed> = Id::new(Uuid::now_v7());
    assert_ne!(id, Uuid::now_v7());
    assert_ne!(id, Uuid::nil());
}

#[test]
#[allow(clippy::clone_on_copy)]
fn a_cloned_id_is_the_same_id() {
    let id: Id<Typed> = Id::new(Uuid::now_v7());
    assert_eq!(id.clone(), id);
    assert_eq!(id.clone().uuid(), id.uuid());
}
