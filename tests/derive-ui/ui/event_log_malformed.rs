// Several mistakes in one log: each is reported, in one compile.

use spector::{event_log, Evented, Id};

#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    id: Id<Chat>,
}

event_log!(ChatEvents {
    schemas: [],
    shards: 4,
});

fn main() {}
