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

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat, Comment, Chat],
});

fn main() {}
