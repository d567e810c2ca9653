//! The writer thread: the one connection that writes, fed by a queue, with
//! group commit.
//!
//! Every write is a job on the queue. The thread takes the first job and
//! every write queued behind it (up to [`MAX_GROUP`]), and runs them in ONE
//! `BEGIN IMMEDIATE` transaction, each under a savepoint of its own: a
//! write that fails is rolled back to its savepoint alone, the others are
//! kept, and one `COMMIT` (one `fsync` with `synchronous = FULL`) makes
//! them all durable. A caller hears of its write only after that commit.
//! With one writer at a time the group is that one write; when writes
//! arrive faster than a commit takes, they share commits.
//!
//! Anything else that needs the connection (migrations, reads of an
//! in-memory database, [`Sqlite::with_connection`](crate::Sqlite::with_connection))
//! runs alone, between groups, in queue order.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use spector_core::Result;
use tokio::sync::oneshot;

use crate::error::{query_error, SqliteError};

/// The most writes one commit covers.
pub(crate) const MAX_GROUP: usize = 64;

/// A wait for the database's write lock longer than this is traced.
const LOCK_WAIT_WORTH_TELLING: Duration = Duration::from_millis(1);

/// How a job ended: its result, or the panic of the user code it ran (a
/// changeset, say), which the caller resumes.
enum Outcome<T> {
    Done(Result<T>),
    Panicked(Box<dyn Any + Send>),
}

/// A write waiting in the queue.
trait QueuedWrite: Send {
    /// Runs the write on the connection, inside the group's transaction.
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn RanWrite>;
    /// Tells the caller its write did not run: the group's transaction
    /// could not begin.
    fn refuse(self: Box<Self>, error: &rusqlite::Error);
}

/// A write that ran, waiting for its group's commit.
trait RanWrite: Send {
    /// Whether the write succeeded (its savepoint is kept).
    fn succeeded(&self) -> bool;
    /// Tells the caller the outcome, once the commit's is known.
    fn finish(self: Box<Self>, commit: std::result::Result<(), &rusqlite::Error>);
}

/// A job for the writer thread.
enum Job {
    /// A write, grouped with the writes queued behind it.
    Write(Box<dyn QueuedWrite>),
    /// Work that runs alone on the bare connection.
    Alone(Box<dyn FnOnce(&mut Connection) + Send>),
}

/// A write and the channel its caller waits on.
struct Write<T, F> {
    work: F,
    reply: oneshot::Sender<Outcome<T>>,
    table: &'static str,
    span: tracing::Span,
}

/// A write that ran: its outcome and the channel to send it on.
struct Ran<T> {
    outcome: Outcome<T>,
    reply: oneshot::Sender<Outcome<T>>,
    table: &'static str,
}

impl<T, F> QueuedWrite for Write<T, F>
where
    T: Send + 'static,
    F: FnOnce(&Connection) -> Result<T> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn RanWrite> {
        let Self {
            work,
            reply,
            table,
            span,
        } = *self;
        let _entered = span.enter();
        let outcome = match catch_unwind(AssertUnwindSafe(|| work(conn))) {
            Ok(result) => Outcome::Done(result),
            Err(panic) => Outcome::Panicked(panic),
        };
        Box::new(Ran {
            outcome,
            reply,
            table,
        })
    }

    fn refuse(self: Box<Self>, error: &rusqlite::Error) {
        let error = query_error("begin", self.table)(duplicate(error));
        let _ = self.reply.send(Outcome::Done(Err(error)));
    }
}

impl<T: Send + 'static> RanWrite for Ran<T> {
    fn succeeded(&self) -> bool {
        matches!(self.outcome, Outcome::Done(Ok(_)))
    }

    fn finish(self: Box<Self>, commit: std::result::Result<(), &rusqlite::Error>) {
        let outcome = match (self.outcome, commit) {
            (Outcome::Done(Ok(_)), Err(error)) => {
                Outcome::Done(Err(query_error("commit", self.table)(duplicate(error))))
            }
            (outcome, _) => outcome,
        };
        // A caller that stopped waiting has nothing to hear.
        let _ = self.reply.send(outcome);
    }
}

/// A copy of an SQLite error for each write of a group it fails: its codes
/// and message (rusqlite's errors are not `Clone`).
fn duplicate(error: &rusqlite::Error) -> rusqlite::Error {
    match error {
        rusqlite::Error::SqliteFailure(failure, message) => {
            rusqlite::Error::SqliteFailure(*failure, message.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

/// The queue of the writer thread; the thread ends when the last handle is
/// dropped, after the jobs already queued.
#[derive(Debug)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub(crate) fn spawn(conn: Connection) -> Result<Self> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("spector-sqlite-writer".to_owned())
            .spawn(move || serve(conn, &queue))
            .map_err(SqliteError::Thread)?;
        Ok(Self { jobs })
    }

    /// Runs the write `work` in a group's transaction, under its own
    /// savepoint, and returns its result once the group is committed; a
    /// panic in `work` is resumed here, its savepoint rolled back.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        table: &'static str,
        work: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, outcome) = oneshot::channel();
        let write = Write {
            work,
            reply,
            table,
            span: tracing::Span::current(),
        };
        self.send(Job::Write(Box::new(write)))?;
        receive(outcome).await
    }

    /// Runs `work` alone on the connection, outside any transaction (one it
    /// leaves open is rolled back before the next job).
    pub(crate) async fn alone<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let (reply, outcome) = oneshot::channel();
        let span = tracing::Span::current();
        self.send(Job::Alone(Box::new(move |conn: &mut Connection| {
            let _entered = span.enter();
            let outcome = match catch_unwind(AssertUnwindSafe(|| work(conn))) {
                Ok(result) => Outcome::Done(result),
                Err(panic) => Outcome::Panicked(panic),
            };
            let _ = reply.send(outcome);
        })))?;
        receive(outcome).await
    }

    fn send(&self, job: Job) -> Result<()> {
        self.jobs
            .send(job)
            .map_err(|_| SqliteError::WriterStopped.into())
    }
}

/// Waits for a job's outcome: its result, or its panic resumed.
async fn receive<T>(outcome: oneshot::Receiver<Outcome<T>>) -> Result<T> {
    match outcome.await {
        Ok(Outcome::Done(result)) => result,
        Ok(Outcome::Panicked(panic)) => std::panic::resume_unwind(panic),
        Err(_) => Err(SqliteError::WriterStopped.into()),
    }
}

/// The writer thread's loop: each job in queue order, each write with the
/// writes queued right behind it.
fn serve(mut conn: Connection, queue: &mpsc::Receiver<Job>) {
    let mut next = None;
    loop {
        let job = match next.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(mpsc::RecvError) => return,
            },
        };
        end_open_transaction(&conn);
        match job {
            Job::Alone(work) => work(&mut conn),
            Job::Write(first) => {
                let mut group = vec![first];
                while group.len() < MAX_GROUP {
                    match queue.try_recv() {
                        Ok(Job::Write(write)) => group.push(write),
                        Ok(alone) => {
                            next = Some(alone);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_group(&conn, group);
            }
        }
    }
}

/// Rolls back a transaction that work run alone left open.
fn end_open_transaction(conn: &Connection) {
    if !conn.is_autocommit() {
        // A failure leaves it to the next BEGIN to report.
        let _ = conn.execute_batch("ROLLBACK");
    }
}

/// Runs a group of writes in one transaction, each under its own
/// savepoint, commits, and tells each caller.
fn commit_group(conn: &Connection, group: Vec<Box<dyn QueuedWrite>>) {
    if group.is_empty() {
        return;
    }
    let asked = Instant::now();
    if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
        for write in group {
            write.refuse(&error);
        }
        return;
    }
    let waited = asked.elapsed();
    if waited > LOCK_WAIT_WORTH_TELLING {
        tracing::debug!(
            target: "spector",
            waited_ms = waited.as_millis(),
            "waited for the database's write lock"
        );
    }
    let mut ran: Vec<Box<dyn RanWrite>> = Vec::with_capacity(group.len());
    let mut writes = group.into_iter();
    while let Some(write) = writes.next() {
        if let Err(error) = conn.execute_batch("SAVEPOINT spector_write") {
            write.refuse(&error);
            return give_up(conn, ran, &error, writes.collect());
        }
        let done = write.run(conn);
        let end = if done.succeeded() {
            "RELEASE spector_write"
        } else {
            "ROLLBACK TO spector_write; RELEASE spector_write"
        };
        ran.push(done);
        if let Err(error) = conn.execute_batch(end) {
            return give_up(conn, ran, &error, writes.collect());
        }
    }
    let commit = conn.execute_batch("COMMIT");
    if commit.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    for done in ran {
        done.finish(commit.as_ref().map(|_| ()));
    }
}

/// Ends a group whose transaction is in a state no savepoint can vouch
/// for: rolls it back, tells the writes that ran that they were not
/// written, and runs the writes still waiting as a group of their own.
fn give_up(
    conn: &Connection,
    ran: Vec<Box<dyn RanWrite>>,
    error: &rusqlite::Error,
    waiting: Vec<Box<dyn QueuedWrite>>,
) {
    end_open_transaction(conn);
    for done in ran {
        done.finish(Err(error));
    }
    commit_group(conn, waiting);
}
