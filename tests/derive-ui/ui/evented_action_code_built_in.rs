use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, actions(archive = 3))]
struct Chat {
    id: Uuid,
}

fn main() {}
