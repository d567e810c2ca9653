spector::event_log!(pub ChatEvents {
    table: "chat_events",
    schemas: [Chat, Comment, Chat],
});

fn main() {}
