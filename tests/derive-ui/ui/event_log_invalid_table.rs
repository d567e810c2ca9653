spector::event_log!(pub ChatEvents {
    table: "chat events; DROP TABLE users",
    schemas: [Chat],
});

fn main() {}
