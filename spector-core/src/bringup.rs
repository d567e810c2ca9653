//! What `bringup` does with each row it imports.

use crate::action::{RecordAction, INSERT};
use crate::attrs::reserved;
use crate::invalid::Invalid;
use crate::materialized::Row;
use crate::plan::{RowAction, Transfer};
use crate::record::Evented;

/// How [`Store::bringup`](crate::Store::bringup) imports the rows of a
/// materialized table that have no events: the action each row is
/// inserted with, and what to do once its new record exists.
///
/// ```
/// # use spector::{Bringup, Invalid, Row};
/// # use spector::{event_log, Changeset, EventMeta, Evented, Id};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Debug, Clone, Serialize, Deserialize)]
/// # pub struct Joined { pub name: String, pub joined: String }
/// # #[derive(Debug, Clone, Default, Evented)]
/// # #[evented(log = Users, table = "users", actions(import = Joined))]
/// # pub struct User { pub id: Id<User>, pub name: String }
/// # event_log!(pub Users { table: "users_events", schemas: [User] });
/// # impl Changeset for User {
/// #     fn changeset(self, _: UserAction, _: &EventMeta) -> Result<Self, Invalid> { Ok(self) }
/// # }
/// // Each legacy row becomes an `import` event that keeps its sign-up time.
/// let bringup = Bringup::<User>::with_action(|row: &Row| {
///     let attrs = row.to_attrs();
///     Ok(UserAction::Import(Joined {
///         name: attrs.fetch("name")?,
///         joined: attrs.fetch("inserted_at")?,
///     }))
/// })
/// .transfer(|old: &Row, new: &User| {
///     println!("{:?} is now {}", old.id(), new.id);
///     Ok(())
/// });
/// ```
pub struct Bringup<R: Evented> {
    pub(crate) action: RowAction<R>,
    pub(crate) transfer: Option<Transfer<R>>,
}

impl<R: Evented> Bringup<R> {
    /// Imports each row with the `insert` action, its payload decoded from
    /// the row's columns but the id (and but any column named like a
    /// reserved key: `inserted_at`, `updated_at`, … are the store's): a row
    /// whose columns do not decode into the insert payload fails the
    /// bringup. To keep such columns, use [`with_action`](Bringup::with_action).
    pub fn new() -> Self {
        Self::with_action(|row: &Row| {
            let mut attrs = row.to_attrs();
            attrs.remove(row.table().id_column().name().as_str());
            for key in reserved::ALL {
                attrs.remove(key);
            }
            R::Action::decode(INSERT, attrs)?
                .ok_or_else(|| Invalid::new("action", "the record type has no insert"))
        })
    }

    /// Imports each row with the action `action` builds from it (any of the
    /// type's actions: an `import` whose payload carries the row's original
    /// timestamps, say).
    pub fn with_action(
        action: impl FnMut(&Row) -> Result<R::Action, Invalid> + Send + 'static,
    ) -> Self {
        Self {
            action: Box::new(action),
            transfer: None,
        }
    }

    /// Calls `transfer(old_row, new_record)` inside the bringup's
    /// transaction after each import, before the old row is removed; an
    /// error refuses the whole bringup. Use it to record the mapping from
    /// old ids to new records (references elsewhere must then be
    /// repointed by the caller).
    #[must_use]
    pub fn transfer(
        self,
        transfer: impl FnMut(&Row, &R) -> Result<(), Invalid> + Send + 'static,
    ) -> Self {
        Self {
            transfer: Some(Box::new(transfer)),
            ..self
        }
    }
}

impl<R: Evented> Default for Bringup<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Evented> std::fmt::Debug for Bringup<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bringup")
            .field("record_type", &R::NAME)
            .field("transfer", &self.transfer.is_some())
            .finish_non_exhaustive()
    }
}
