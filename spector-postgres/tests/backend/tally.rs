//! A record type written by hand, without the derive: a tally that counts
//! its `increment`s, keeps the attrs of its last event, and may link an
//! event to another through `follows`.

use spector_core::action::{self, custom_action_code};
use spector_core::{
    Attrs, Changeset, Event, EventLog, Evented, Invalid, LinkDecl, LogCell, LogMember, LogSpec,
    NewEvent, RecordAction, Result, SchemaSpec, Uuid,
};

/// The event log of [`Tally`]: table `tally_events`, link table
/// `tally_follows (event_id, previous_id)`.
pub struct TallyEvents;

static TALLY_EVENTS: LogCell = LogCell::new();

impl EventLog for TallyEvents {
    fn spec() -> Result<&'static LogSpec> {
        TALLY_EVENTS.get_or_init("tally_events", || vec![SchemaSpec::of::<Tally>(0)])
    }
}

/// A counter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    /// The record id.
    pub id: Uuid,
    /// How many `increment`s were applied.
    pub count: u32,
    /// The attrs of the last event.
    pub body: Attrs,
}

/// The actions of [`Tally`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyAction {
    /// The first event.
    Insert,
    /// Replaces the body.
    Update,
    /// Restarts from the attrs.
    Savepoint,
    /// Adds one.
    Increment,
}

impl RecordAction for TallyAction {
    const INSERT: Self = Self::Insert;
    const UPDATE: Self = Self::Update;
    const SAVEPOINT: Self = Self::Savepoint;

    fn all() -> &'static [Self] {
        &[Self::Insert, Self::Update, Self::Savepoint, Self::Increment]
    }

    fn name(self) -> &'static str {
        match self {
            Self::Insert => "insert",
            Self::Update => "update",
            Self::Savepoint => "savepoint",
            Self::Increment => "increment",
        }
    }

    fn code(self) -> i32 {
        match self {
            Self::Insert => action::INSERT,
            Self::Update => action::UPDATE,
            Self::Savepoint => action::SAVEPOINT,
            Self::Increment => custom_action_code("increment"),
        }
    }
}

impl Evented for Tally {
    type Action = TallyAction;
    type Log = TallyEvents;
    const NAME: &'static str = "Tally";
    const SCHEMA_INDEX: i32 = 0;
    const VERSION: u32 = 1;
    const LINKS: &'static [LinkDecl] = &[LinkDecl {
        name: "follows",
        column: "previous_id",
        table: None,
    }];

    fn id(&self) -> Uuid {
        self.id
    }

    fn fresh(id: Uuid) -> Self {
        Self {
            id,
            ..Self::default()
        }
    }
}

impl LogMember<TallyEvents> for Tally {
    const SCHEMA_INDEX: i32 = 0;
}

impl Changeset for Tally {
    fn changeset(mut self, action: TallyAction, attrs: &Attrs) -> Result<Self, Invalid> {
        if action == TallyAction::Increment {
            self.count += 1;
        }
        self.body = attrs.clone();
        Ok(self)
    }

    /// Links the event to the event id in `follows`, when there is one.
    fn prepare_event(
        event: &mut NewEvent,
        _previous: &[Event],
        attrs: &Attrs,
    ) -> Result<(), Invalid> {
        if let Some(target) = attrs.get::<Uuid>("follows")? {
            event.link("follows", target);
        }
        Ok(())
    }
}
