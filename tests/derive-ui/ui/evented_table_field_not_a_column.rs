use std::collections::BTreeMap;

use spector::{event_log, Evented, Id};

// A field type with no column kind must be stored as JSON or skipped.
#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents, table = "chats")]
struct Chat {
    id: Id<Chat>,
    title: String,
    messages: Vec<String>,
    #[evented(json)]
    readers: BTreeMap<String, u32>,
    #[evented(skip)]
    cache: Vec<u8>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

fn main() {}
