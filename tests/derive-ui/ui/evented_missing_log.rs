use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(actions(edit))]
struct Chat {
    id: Uuid,
}

fn main() {}
