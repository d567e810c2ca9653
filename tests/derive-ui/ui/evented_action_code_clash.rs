use spector::{Evented, Uuid};

// 1541920161 is the code `edit` derives from its name.
#[derive(Default, Evented)]
#[evented(log = ChatEvents, actions(edit, archive = 1541920161, hide = 20, mute = 20))]
struct Chat {
    id: Uuid,
}

fn main() {}
