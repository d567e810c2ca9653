use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, colour = "red")]
struct Chat {
    id: Uuid,
}

fn main() {}
