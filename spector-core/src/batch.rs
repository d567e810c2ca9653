//! Writes to several records in one transaction: a [`Batch`].

use std::any::Any;
use std::borrow::Borrow;
use std::marker::PhantomData;

use tracing::Instrument;

use crate::action::RecordAction;
use crate::error::Result;
use crate::id::IntoId;
use crate::log::LogSpec;
use crate::plan::{attribute, AnyChange, Change, ManyChanges, PlannedWrites};
use crate::record::Changeset;
use crate::storage::Storage;
use crate::store::Store;

/// Writes to several records — of one or several types, in one or several
/// logs of the store — committed together in ONE transaction: all of them
/// or none. Made by [`Store::batch`].
///
/// Each write runs as it would alone (replay under the record's lock, the
/// live rules, `prepare_event`, the transition, its row), in the order it
/// was added; a later write to the same record sees the earlier ones. The
/// locks are taken up front in a fixed order, so concurrent batches never
/// deadlock. Each method returns a [`Ticket`] for the write's result.
///
/// ```
/// # use spector::{event_log, Changeset, EventMeta, Evented, Id, Invalid, Store};
/// # use serde::{Deserialize, Serialize};
/// # #[derive(Debug, Clone, Serialize, Deserialize)]
/// # pub struct Amount { pub cents: i64 }
/// # #[derive(Debug, Clone, Default, PartialEq, Evented)]
/// # #[evented(log = Ledger, actions(insert = Amount, update = Amount, withdraw = Amount))]
/// # pub struct Account { pub id: Id<Account>, pub balance: i64 }
/// # event_log!(pub Ledger { table: "ledger_events", schemas: [Account] });
/// # impl Changeset for Account {
/// #     fn validate(&self, action: &AccountAction, _: &EventMeta) -> Result<(), Invalid> {
/// #         match action {
/// #             AccountAction::Withdraw(a) if a.cents > self.balance => Err(Invalid::new("cents", "exceeds the balance")),
/// #             _ => Ok(()),
/// #         }
/// #     }
/// #     fn changeset(mut self, action: AccountAction, _: &EventMeta) -> Result<Self, Invalid> {
/// #         match action {
/// #             AccountAction::Insert(a) | AccountAction::Update(a) => self.balance += a.cents,
/// #             AccountAction::Withdraw(a) => self.balance -= a.cents,
/// #         }
/// #         Ok(self)
/// #     }
/// # }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> spector::Result<()> {
/// # let store = Store::<spector::sqlite::Sqlite>::connect("sqlite::memory:").await?;
/// # store.migrate::<Ledger>().await?;
/// # let alice: Account = store.insert(Amount { cents: 100 }).await?;
/// # let bob: Account = store.insert(Amount { cents: 0 }).await?;
/// // A transfer: both events, or neither.
/// let mut transfer = store.batch();
/// let debit = transfer.execute(alice.id, AccountAction::Withdraw(Amount { cents: 30 }))?;
/// let credit = transfer.update(bob.id, Amount { cents: 30 })?;
/// let done = transfer.commit().await?;
/// assert_eq!(done.get(debit).map(|a| a.balance), Some(70));
/// assert_eq!(done.get(credit).map(|a| a.balance), Some(30));
///
/// // An overdraft refuses the whole batch: bob is not credited.
/// let mut transfer = store.batch();
/// transfer.execute(alice.id, AccountAction::Withdraw(Amount { cents: 500 }))?;
/// transfer.update(bob.id, Amount { cents: 500 })?;
/// assert!(transfer.commit().await.is_err());
/// assert_eq!(store.get(bob.id).await?.map(|a| a.balance), Some(30));
/// # Ok(())
/// # }
/// ```
pub struct Batch<'s, B> {
    store: &'s Store<B>,
    changes: Vec<Box<dyn AnyChange>>,
}

impl<B> std::fmt::Debug for Batch<'_, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batch")
            .field("writes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

/// The result of one write of a [`Batch`], to read from [`Committed`].
pub struct Ticket<R> {
    index: usize,
    record_type: PhantomData<fn() -> R>,
}

impl<R> Clone for Ticket<R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R> Copy for Ticket<R> {}

impl<R> std::fmt::Debug for Ticket<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Ticket").field(&self.index).finish()
    }
}

/// The results of a committed [`Batch`].
pub struct Committed {
    outputs: Vec<Option<Box<dyn Any + Send>>>,
}

impl std::fmt::Debug for Committed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Committed")
            .field("writes", &self.outputs.len())
            .finish()
    }
}

impl Committed {
    /// The state the write of `ticket` returned (for a delete, the state
    /// deleted); `None` for a ticket of another batch, or one taken.
    pub fn get<R: 'static>(&self, ticket: Ticket<R>) -> Option<&R> {
        self.outputs
            .get(ticket.index)?
            .as_ref()?
            .downcast_ref::<R>()
    }

    /// Takes the state of `ticket` out (see [`get`](Committed::get)).
    pub fn take<R: 'static>(&mut self, ticket: Ticket<R>) -> Option<R> {
        let slot = self.outputs.get_mut(ticket.index)?;
        if !slot.as_ref()?.is::<R>() {
            return None;
        }
        slot.take()?.downcast::<R>().ok().map(|output| *output)
    }

    /// How many writes the batch made.
    pub fn len(&self) -> usize {
        self.outputs.len()
    }

    /// True for a batch without writes.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }
}

impl<'s, B: Storage> Batch<'s, B> {
    /// An empty batch of `store`.
    pub(crate) fn new(store: &'s Store<B>) -> Self {
        Self {
            store,
            changes: Vec::new(),
        }
    }

    /// Adds `change`; its ticket.
    fn push<R: Changeset>(&mut self, change: Change<R>) -> Ticket<R> {
        self.changes.push(Box::new(change));
        Ticket {
            index: self.changes.len() - 1,
            record_type: PhantomData,
        }
    }

    /// Adds [`Store::insert`].
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`](crate::Error::Invalid) for a payload no backend
    /// stores (nothing is added); the write's own errors come from
    /// [`commit`](Batch::commit).
    pub fn insert<R: Changeset>(
        &mut self,
        payload: <R::Action as RecordAction>::InsertPayload,
    ) -> Result<Ticket<R>> {
        self.insert_as(R::Action::insert(payload))
    }

    /// Adds [`Store::insert_as`].
    ///
    /// # Errors
    ///
    /// As [`insert`](Batch::insert).
    pub fn insert_as<A>(&mut self, action: A) -> Result<Ticket<A::Record>>
    where
        A: RecordAction,
        A::Record: Changeset,
    {
        Ok(self.push(Change::<A::Record>::insert(
            None,
            &action,
            self.store.max_payload_bytes(),
        )?))
    }

    /// Adds [`Store::update`].
    ///
    /// # Errors
    ///
    /// As [`insert`](Batch::insert).
    pub fn update<R: Changeset>(
        &mut self,
        record: impl IntoId<R>,
        payload: <R::Action as crate::action::Updatable>::UpdatePayload,
    ) -> Result<Ticket<R>>
    where
        R::Action: crate::action::Updatable,
    {
        let action = <R::Action as crate::action::Updatable>::update(payload);
        self.execute(record, action)
    }

    /// Adds [`Store::execute`].
    ///
    /// # Errors
    ///
    /// As [`insert`](Batch::insert).
    pub fn execute<R: Changeset>(
        &mut self,
        record: impl IntoId<R>,
        action: impl Borrow<R::Action>,
    ) -> Result<Ticket<R>> {
        let change = Change::execute(
            None,
            record.into_id(),
            action.borrow(),
            self.store.max_payload_bytes(),
        )?;
        Ok(self.push(change))
    }

    /// Adds [`Store::delete`].
    pub fn delete<R: Changeset>(&mut self, record: impl IntoId<R>) -> Ticket<R> {
        self.push(Change::delete(None, record.into_id()))
    }

    /// Runs every write in ONE transaction and commits: every write or none.
    ///
    /// # Errors
    ///
    /// The first error of any write ([`Error::NotFound`](crate::Error::NotFound),
    /// [`Error::Invalid`](crate::Error::Invalid), …, as the store's method
    /// of the same name); nothing is written.
    pub async fn commit(self) -> Result<Committed> {
        let mut changes = Vec::with_capacity(self.changes.len());
        for change in self.changes {
            let target = change.target()?;
            changes.push((change, target));
        }
        let logs: Vec<&'static LogSpec> = changes.iter().map(|(_, target)| target.log).collect();
        let span = tracing::info_span!(
            target: "spector",
            "spector.batch",
            writes = changes.len(),
        );
        let planned = PlannedWrites::default();
        let outputs = self
            .store
            .backend()
            .write_many(ManyChanges::new(changes, planned.clone()))
            .instrument(span)
            .await
            .map_err(|error| {
                let error = logs.iter().fold(error, |error, log| error.in_log(log));
                attribute(error, &planned)
            })?;
        Ok(Committed {
            outputs: outputs.into_iter().map(Some).collect(),
        })
    }
}
