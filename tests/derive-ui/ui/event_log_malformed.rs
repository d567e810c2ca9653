spector::event_log!(pub ChatEvents {
    schemas: [],
    shards: 4,
});

fn main() {}
