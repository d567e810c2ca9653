use std::collections::BTreeMap;

use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid};

// A payload is stored as a JSON object: a type the derive knows serializes
// to anything else is refused on it. A map is an object.
#[derive(Debug, Default, Evented)]
#[evented(
    log = NoteEvents,
    actions(
        insert = String,
        note = String,
        count = u32,
        tags = Vec<String>,
        pair = (u32, u32),
        maybe = Option<bool>,
        scores = BTreeMap<String, u32>,
    )
)]
struct Notes {
    id: Id<Notes>,
}

event_log!(NoteEvents {
    table: "note_events",
    schemas: [Notes],
});

impl Changeset for Notes {
    fn changeset(self, action: NotesAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            NotesAction::Insert(_) | NotesAction::Note(_) => {}
            NotesAction::Count(_) | NotesAction::Tags(_) | NotesAction::Pair(_) => {}
            NotesAction::Maybe(_) | NotesAction::Scores(_) => {}
        }
        Ok(self)
    }
}

fn main() {}
