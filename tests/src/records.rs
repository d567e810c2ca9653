//! Record types the suite needs beyond the basic chat.

use spector::{event_log, Attrs, Changeset, Event, Evented, Invalid, NewEvent};
use uuid::Uuid;

/// The most a [`Counter`] may count to.
pub const COUNTER_LIMIT: u32 = 300;

/// A counter whose `increment` refuses to go above [`COUNTER_LIMIT`].
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TestEvents, actions(increment))]
pub struct Counter {
    /// The record id.
    pub id: Uuid,
    /// The count.
    pub count: u32,
}

impl Changeset for Counter {
    fn changeset(mut self, action: CounterAction, _attrs: &Attrs) -> Result<Self, Invalid> {
        if action == CounterAction::Increment {
            if self.count >= COUNTER_LIMIT {
                return Err(Invalid::new("count", "may not go above the limit"));
            }
            self.count += 1;
        }
        Ok(self)
    }
}

/// A note that keeps whatever JSON it is given, and may link to other events
/// through `mentions` (to any event id in the attrs, unchecked), refuse in
/// its `prepare_event` hook, or panic in its changeset (`"panic": true`).
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = TestEvents, links(mentions = "mentioned_id"))]
pub struct Note {
    /// The record id.
    pub id: Uuid,
    /// Every attr of the last event, reserved ones included.
    pub body: Attrs,
}

impl Changeset for Note {
    fn changeset(mut self, _action: NoteAction, attrs: &Attrs) -> Result<Self, Invalid> {
        if attrs.get_or("panic", false)? {
            panic!("Note::changeset panics on purpose");
        }
        self.body = attrs.clone();
        Ok(self)
    }

    fn prepare_event(
        event: &mut NewEvent,
        _previous: &[Event],
        attrs: &Attrs,
    ) -> Result<(), Invalid> {
        if attrs.get_or("reject", false)? {
            return Err(Invalid::new("reject", "refused by prepare_event"));
        }
        if let Some(target) = attrs.get::<Uuid>("mention")? {
            event.link("mentions", target);
        }
        if let Some(name) = attrs.get::<String>("undeclared_link")? {
            event.link(name, event.parent_id());
        }
        Ok(())
    }
}

event_log!(pub TestEvents {
    table: "test_events",
    schemas: [Counter, Note],
});
