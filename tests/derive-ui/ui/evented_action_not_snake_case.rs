use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, actions(SoftDelete))]
struct Chat {
    id: Uuid,
}

fn main() {}
