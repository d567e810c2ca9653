use spector::{event_log, Evented, Id};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Id<Chat>,
}

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Comment {
    id: Id<Comment>,
}

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Reaction {
    id: Id<Reaction>,
}

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Note {
    id: Id<Note>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat, Comment = 10, Reaction, Note = 5],
});

fn main() {}
