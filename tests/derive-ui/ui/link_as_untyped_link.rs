use spector::{event_log, Changeset, Event, EventMeta, Evented, Id, Invalid, LinkKind, NewEvent};

#[derive(Debug, Clone, Copy, PartialEq, Eq, LinkKind)]
enum Relation {
    Cites = 1,
}

// `edits` has no kinds: `link_as` does not compile for it.
#[derive(Debug, Default, Evented)]
#[evented(log = ChatEvents, links(edits = "previous_id"))]
struct Chat {
    id: Id<Chat>,
}

event_log!(ChatEvents {
    table: "chat_events",
    schemas: [Chat],
});

impl Changeset for Chat {
    fn changeset(self, _action: ChatAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        Ok(self)
    }

    fn prepare_event(event: &mut NewEvent<Self>, history: &[Event], _state: &Self) -> Result<(), Invalid> {
        if let Some(last) = history.last() {
            event.link_as(ChatLink::Edits, Relation::Cites, last.id);
        }
        Ok(())
    }
}

fn main() {}
