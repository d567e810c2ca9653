//! `verify_hash_chain`: recomputes every event's hash, streaming the whole
//! log in chain order.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::Result;
use crate::event::Event;
use crate::hash::EventHash;
use crate::storage::EventFold;

/// The end of a hash chain: how many events it has and the hash of the
/// newest. Keep the head a verification returns somewhere the database's
/// writers cannot reach (another system, a signed log, a printout); a later
/// [`Store::verify_hash_chain_from`](crate::Store::verify_hash_chain_from)
/// then also catches a truncated or rewritten tail, which no chain can
/// catch by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// How many events the chain has.
    pub events: u64,
    /// The hash of its newest event; `None` for an empty log.
    pub hash: Option<EventHash>,
}

/// What [`Store::verify_hash_chain`](crate::Store::verify_hash_chain) found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a broken chain is reported here, not as an error"]
pub enum ChainCheck {
    /// Every event's stored hash is the one recomputed from it and the
    /// event before it; the head to keep for the next verification.
    Intact(ChainHead),
    /// The first place the chain does not hold.
    Broken(ChainBreak),
}

impl ChainCheck {
    /// True when the chain holds.
    pub fn is_intact(&self) -> bool {
        matches!(self, Self::Intact(_))
    }
}

/// Where a hash chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// An event whose stored hash is not the hash of its row, its links and
    /// the previous event's stored hash: the event, or the one before it,
    /// was changed, inserted, moved or removed.
    BadHash {
        /// The event.
        event_id: Uuid,
        /// Its position in the chain (0 for the oldest event).
        position: u64,
        /// The hash recomputed from the stored rows.
        expected: EventHash,
        /// The hash stored with the event (`None` when it has none).
        stored: Option<Vec<u8>>,
    },
    /// The chain has fewer events than the head kept from an earlier
    /// verification: events were removed from its end.
    Truncated {
        /// The head kept.
        kept: ChainHead,
        /// How many events the chain has now.
        events: u64,
    },
    /// The event at the kept head's position no longer has the kept hash:
    /// the chain's tail was rewritten with recomputed hashes.
    Rewritten {
        /// The position of the kept head (0 for the oldest event).
        position: u64,
        /// The hash kept.
        kept: Option<EventHash>,
        /// The hash stored there now.
        found: Option<Vec<u8>>,
    },
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hex = |bytes: &Option<Vec<u8>>| match bytes {
            Some(bytes) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            None => "none".to_owned(),
        };
        match self {
            Self::BadHash {
                event_id,
                position,
                expected,
                stored,
            } => write!(
                f,
                "event {event_id} at position {position} has hash {}, expected {expected}",
                hex(stored)
            ),
            Self::Truncated { kept, events } => write!(
                f,
                "the chain has {events} events, fewer than the {} of the kept head",
                kept.events
            ),
            Self::Rewritten {
                position,
                kept,
                found,
            } => write!(
                f,
                "the event at position {position} has hash {}, not the kept {}",
                hex(found),
                kept.map_or_else(|| "none".to_owned(), |hash| hash.to_string())
            ),
        }
    }
}

/// Recomputes each event's hash from the previous event's stored hash, in
/// chain order; remembers the first event that does not match, and the
/// hash found at the kept head's position.
pub(crate) struct VerifyChain {
    previous: Option<Vec<u8>>,
    events: u64,
    newest: Option<EventHash>,
    kept: Option<ChainHead>,
    at_kept: Option<Option<Vec<u8>>>,
    broken: Option<ChainBreak>,
}

impl VerifyChain {
    /// A verification that has seen no event, checking against `kept`.
    pub(crate) fn new(kept: Option<ChainHead>) -> Self {
        Self {
            previous: None,
            events: 0,
            newest: None,
            kept,
            at_kept: None,
            broken: None,
        }
    }
}

impl EventFold for VerifyChain {
    type Output = ChainCheck;

    fn push(&mut self, event: Event) -> Result<()> {
        if self.broken.is_some() {
            return Ok(());
        }
        let expected = EventHash::of(self.previous.as_deref(), &event);
        if event.hash.as_deref() != Some(expected.as_bytes().as_slice()) {
            self.broken = Some(ChainBreak::BadHash {
                event_id: event.id,
                position: self.events,
                expected,
                stored: event.hash,
            });
            return Ok(());
        }
        self.events += 1;
        self.newest = Some(expected);
        if self.kept.is_some_and(|kept| kept.events == self.events) {
            self.at_kept = Some(event.hash.clone());
        }
        self.previous = event.hash;
        Ok(())
    }

    fn finish(self) -> Result<ChainCheck> {
        if let Some(broken) = self.broken {
            return Ok(ChainCheck::Broken(broken));
        }
        if let Some(kept) = self.kept {
            if self.events < kept.events {
                return Ok(ChainCheck::Broken(ChainBreak::Truncated {
                    kept,
                    events: self.events,
                }));
            }
            if kept.events > 0 {
                let found = self.at_kept.flatten();
                let kept_bytes = kept.hash.map(|hash| hash.as_bytes().to_vec());
                if found != kept_bytes {
                    return Ok(ChainCheck::Broken(ChainBreak::Rewritten {
                        position: kept.events - 1,
                        kept: kept.hash,
                        found,
                    }));
                }
            }
        }
        Ok(ChainCheck::Intact(ChainHead {
            events: self.events,
            hash: self.newest,
        }))
    }
}
