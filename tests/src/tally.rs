//! Record types with savepoints: [`Tally`] (serde savepoints, taken
//! automatically every [`TALLY_SAVEPOINT_EVERY`] events), [`Lossy`]
//! (hand-written hooks that lose a field), and [`Entry`] in the hashed log
//! [`ChainEvents`].

use serde::{Deserialize, Serialize};
use spector::{
    event_log, Attrs, Changeset, Event, EventMeta, Evented, Id, Invalid, NewEvent, Savepoint,
};

/// How often a [`Tally`] takes a savepoint by itself.
pub const TALLY_SAVEPOINT_EVERY: usize = 100;

/// The payload of a [`Tally`]'s actions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Add {
    /// What to add.
    pub amount: i64,
}

/// A running total with savepoints every [`TALLY_SAVEPOINT_EVERY`] events.
///
/// Its `prepare_event` refuses a write whose history is longer than the
/// interval (plus the savepoint itself): the hook sees the events since the
/// latest savepoint, never the whole record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Evented)]
#[evented(
    log = SavepointEvents,
    actions(insert = Add, update = Add, reset),
    savepoint_every = 100
)]
pub struct Tally {
    /// The record id.
    pub id: Id<Tally>,
    /// The sum of every amount since the last reset.
    pub total: i64,
    /// How many actions were applied.
    pub actions: u64,
    /// The last amount added.
    pub last: Option<i64>,
}

impl Changeset for Tally {
    fn changeset(mut self, action: TallyAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            TallyAction::Insert(add) | TallyAction::Update(add) => {
                self.total += add.amount;
                self.last = Some(add.amount);
            }
            TallyAction::Reset(_) => self.total = 0,
        }
        self.actions += 1;
        Ok(self)
    }

    fn prepare_event(
        _event: &mut NewEvent<Self>,
        history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        if history.len() > TALLY_SAVEPOINT_EVERY {
            return Err(Invalid::new(
                "history",
                format!("{} events reached prepare_event", history.len()),
            ));
        }
        Ok(())
    }
}

/// A record whose savepoint hooks forget its `note`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Evented)]
#[evented(log = SavepointEvents, actions(update), savepoints(custom))]
pub struct Lossy {
    /// The record id.
    pub id: Id<Lossy>,
    /// A count, saved.
    pub count: i64,
    /// A note, lost by the savepoint.
    pub note: String,
}

impl Changeset for Lossy {
    fn changeset(mut self, action: LossyAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        let (LossyAction::Insert(attrs) | LossyAction::Update(attrs)) = action;
        self.count += 1;
        if let Some(note) = attrs.get::<String>("note")? {
            self.note = note;
        }
        Ok(self)
    }
}

impl Savepoint for Lossy {
    fn save(&self) -> Result<Attrs, Invalid> {
        let mut attrs = Attrs::new();
        attrs.insert("count", self.count);
        Ok(attrs)
    }

    fn restore(id: Id<Self>, payload: Attrs, _meta: &EventMeta) -> Result<Self, Invalid> {
        Ok(Self {
            id,
            count: payload.fetch("count")?,
            note: String::new(),
        })
    }
}

event_log!(pub SavepointEvents {
    table: "savepoint_events",
    schemas: [Tally, Lossy],
});

/// An entry of a hashed log: it may amend an earlier event of its record
/// and cite others (links in two tables) and has savepoints, so that every
/// kind of event is chained.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Evented)]
#[evented(
    log = ChainEvents,
    actions(update, amend = Amend),
    links(amends = "amended_id", cites = "cited_id"),
    savepoints
)]
pub struct Entry {
    /// The record id.
    pub id: Id<Entry>,
    /// The latest payload.
    pub body: Attrs,
    /// How many amendments it had.
    pub amendments: u32,
}

/// The payload of `amend`: the event amended, the events cited, and a new
/// body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Amend {
    /// The event amended (linked).
    pub amends: spector::Uuid,
    /// Events cited (linked).
    pub cites: Vec<spector::Uuid>,
    /// The new body.
    pub body: Attrs,
}

impl Changeset for Entry {
    fn changeset(mut self, action: EntryAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        match action {
            EntryAction::Insert(body) | EntryAction::Update(body) => self.body = body,
            EntryAction::Amend(amend) => {
                self.body = amend.body;
                self.amendments += 1;
            }
        }
        Ok(self)
    }

    fn prepare_event(
        event: &mut NewEvent<Self>,
        _history: &[Event],
        _state: &Self,
    ) -> Result<(), Invalid> {
        if let EntryAction::Amend(amend) = event.action() {
            let (amends, cites) = (amend.amends, amend.cites.clone());
            event.link(EntryLink::Amends, amends);
            for cited in cites {
                event.link(EntryLink::Cites, cited);
            }
        }
        Ok(())
    }
}

event_log!(pub ChainEvents {
    table: "chain_events",
    schemas: [Entry],
    hashed: true,
});

/// A memo in a log that is not hashed…
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = PlainMemos)]
pub struct Memo {
    /// The record id.
    pub id: Id<Memo>,
    /// How many writes.
    pub writes: u32,
}

/// …and the same memos once their log is declared hashed (a later release
/// reading the same table).
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = HashedMemos, actions(update))]
pub struct HashedMemo {
    /// The record id.
    pub id: Id<HashedMemo>,
    /// How many writes.
    pub writes: u32,
}

impl Changeset for Memo {
    fn changeset(mut self, _action: MemoAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        self.writes += 1;
        Ok(self)
    }
}

impl Changeset for HashedMemo {
    fn changeset(mut self, _action: HashedMemoAction, _meta: &EventMeta) -> Result<Self, Invalid> {
        self.writes += 1;
        Ok(self)
    }
}

event_log!(pub PlainMemos { table: "memo_events", schemas: [Memo] });
event_log!(pub HashedMemos { table: "memo_events", schemas: [HashedMemo], hashed: true });
