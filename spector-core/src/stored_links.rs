//! The links of stored events, checked against the log's declaration when
//! they are read: a link row of a kind the link does not declare (written
//! by hand, by another program, or left by a kind type that lost a
//! variant) is [`Error::CorruptEvent`] naming the event and the link, not
//! a link the caller's code cannot name.

use crate::error::{Error, Result};
use crate::event::Event;
use crate::log::LogSpec;
use crate::storage::EventFold;

/// Refuses a link of `event` that `log` does not declare as stored: a kind
/// its kind type does not declare, a typed link without a kind, or a kind
/// on an untyped link.
///
/// # Errors
///
/// [`Error::CorruptEvent`] naming the event, the link and its target.
pub(crate) fn check(log: &LogSpec, event: &Event) -> Result<()> {
    for link in &event.links {
        let Some(spec) = log.link(link.name) else {
            continue;
        };
        let problem = match (spec.typed(), link.kind) {
            (true, Some(kind)) if spec.kinds().contains(&kind) => continue,
            (false, None) => continue,
            (true, Some(kind)) => format!(
                "its `{}` link to {} has kind {kind}, which the link's kinds ({:?}) do not \
                 include; declare that kind again, or repair the row of `{}`",
                link.name,
                link.target,
                spec.kinds(),
                spec.table()
            ),
            (true, None) => format!(
                "its `{}` link to {} has no kind, but the link is typed; repair the row of `{}`",
                link.name,
                link.target,
                spec.table()
            ),
            (false, Some(kind)) => format!(
                "its `{}` link to {} has kind {kind}, but the link is not typed; repair the row \
                 of `{}`",
                link.name,
                link.target,
                spec.table()
            ),
        };
        return Err(Error::CorruptEvent {
            table: log.table().to_string(),
            event_id: event.id,
            reason: problem,
        });
    }
    Ok(())
}

/// A fold that checks each event's links ([`check`]) before `F` sees it.
pub(crate) struct KnownLinks<F> {
    log: &'static LogSpec,
    fold: F,
}

impl<F> KnownLinks<F> {
    /// `fold`, fed events whose links `log` declares.
    pub(crate) fn new(log: &'static LogSpec, fold: F) -> Self {
        Self { log, fold }
    }
}

impl<F: EventFold> EventFold for KnownLinks<F> {
    type Output = F::Output;

    fn push(&mut self, event: Event) -> Result<()> {
        check(self.log, &event)?;
        self.fold.push(event)
    }

    fn finish(self) -> Result<F::Output> {
        self.fold.finish()
    }
}
