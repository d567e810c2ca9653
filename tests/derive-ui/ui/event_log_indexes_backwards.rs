spector::event_log!(pub ChatEvents {
    table: "chat_events",
    schemas: [Chat, Comment = 10, Reaction, Note = 5],
});

fn main() {}
