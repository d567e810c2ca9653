use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, version = "1")]
struct Chat {
    id: Uuid,
}

#[derive(Default, Evented)]
#[evented(log = ChatEvents, version = 5_000_000_000)]
struct Note {
    id: Uuid,
}

fn main() {}
