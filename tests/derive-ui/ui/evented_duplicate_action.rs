use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents, actions(edit, archive))]
#[evented(actions(edit))]
struct Chat {
    id: Uuid,
}

fn main() {}
