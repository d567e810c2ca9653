use spector::Evented;

#[derive(Default, Evented)]
#[evented(actions(insert, edit, edit), links(edits), colour = "red", version = 1)]
struct Chat {
    id: String,
}

fn main() {}
