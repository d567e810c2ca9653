use spector::{Evented, Uuid};

#[derive(Default, Evented)]
#[evented(log = ChatEvents)]
struct Chat {
    #[evented(actions(edit))]
    id: Uuid,
}

fn main() {}
