//! Connection cut (PostgreSQL): an in-process TCP proxy sits between the
//! store and the server and drops every connection at random points while
//! writers insert, update and edit basic chats. Then:
//!
//! - every write either returned `Ok` or an error, none panicked or hung;
//! - the next write through the same store succeeds (nothing restarted);
//! - read through a direct connection, nothing partial was written: every
//!   edit has its link row, `get` equals a fresh replay for every chat;
//! - every write whose future returned `Ok` is present.
//!
//! Only the timing of the cuts is random; the assertions are not.

mod common;

use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{postgres_rows, verify_chats, Checked, XorShift};
use spector::postgres::Postgres;
use spector::{Error, Id, Store};
use spector_examples::basic_chat::{
    content, BasicChat, BasicChatAction, BasicChatEvents, EditMessage, NewMessage,
};
use spector_tests::postgres_db::pg_url;
use spector_tests::{PostgresDb, TestDb};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinHandle};
use uuid::Uuid;

/// Concurrent writers, each on chats of its own.
const WRITERS: usize = 4;

/// How many times the proxy drops every connection.
const CUTS: usize = 30;

/// The pause before each cut, in milliseconds: a random point of the writes.
const CUT_PAUSE_MS: (u64, u64) = (10, 150);

/// The most operations one writer makes.
const MAX_OPS_PER_WRITER: usize = 100_000;

/// The longest the writers run, should the cuts not end.
const MAX_WRITE_PHASE: Duration = Duration::from_secs(60);

/// The longest one write may take before the test calls it hung.
const WRITE_TIMEOUT: Duration = Duration::from_secs(20);

/// How many times each chat's first message is edited.
const EDITS_PER_CHAT: usize = 2;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(spector_skip_postgres, ignore = "SPECTOR_SKIP_POSTGRES=1")]
async fn cut_connections_write_nothing_partial_and_the_next_write_succeeds() {
    let started = Instant::now();
    // Direct: creates the schema (dropped at the end, on panic too) and
    // checks the outcome.
    let direct = PostgresDb::create().await;
    let schema: String = sqlx::query_scalar("SELECT current_schema()")
        .fetch_one(direct.store().backend().pool())
        .await
        .expect("read the test's schema");

    // Through the proxy: the store under test.
    let url = PgConnectOptions::from_str(&pg_url()).expect("valid SPECTOR_PG_URL");
    let proxy = Proxy::start(format!("{}:{}", url.get_host(), url.get_port())).await;
    let application = format!("cut_{schema}");
    let options = url
        .host("127.0.0.1")
        .port(proxy.port)
        .application_name(&application)
        .options([("search_path", schema.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(WRITERS as u32)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .expect("connect through the proxy");
    let store = Store::new(Postgres::from_pool(pool));
    store.migrate::<BasicChatEvents>().await.unwrap();

    // Writers write until the cuts are over.
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + MAX_WRITE_PHASE;
    let writers: Vec<JoinHandle<Outcomes>> = (0..WRITERS)
        .map(|writer| {
            let (store, stop) = (store.clone(), Arc::clone(&stop));
            tokio::spawn(write_chats(store, writer, stop, deadline))
        })
        .collect();
    let mut rng = XorShift::from_time();
    let seed = rng.seed();
    let mut dropped = 0;
    for _ in 0..CUTS {
        let pause = rng.between(CUT_PAUSE_MS.0, CUT_PAUSE_MS.1);
        tokio::time::sleep(Duration::from_millis(pause)).await;
        dropped += proxy.cut();
    }
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Outcomes::default();
    for writer in writers {
        outcomes.merge(
            writer
                .await
                .expect("a writer neither panics nor is cancelled"),
        );
    }

    // The next write goes through the same store, proxy and pool.
    let chat: BasicChat = timed(store.insert(message("after the cuts")))
        .await
        .expect("the first write after the cuts succeeds");
    let chat = timed(store.update(chat.id, message("still here")))
        .await
        .expect("an update after the cuts succeeds");
    let edit = edit_action(chat.id, "edited after the cuts".to_owned());
    timed(store.execute(chat.id, edit))
        .await
        .expect("an edit after the cuts succeeds");
    outcomes
        .events
        .extend([chat.id.uuid(), chat.messages[0].id]);
    outcomes
        .edits
        .push((chat.id, "edited after the cuts".to_owned()));

    // Every server session of the store ends once its pool is closed: none
    // was left behind by a cut (holding a lock, or writing late).
    store.backend().pool().close().await;
    wait_for_sessions_to_end(&direct, &application).await;

    // Checked through the direct connection.
    let checked = direct.store();
    for &id in &outcomes.events {
        let event = checked.event::<BasicChat>(id).await.unwrap();
        assert!(event.is_some(), "write {id} returned Ok but is missing");
    }
    for (chat, text) in &outcomes.edits {
        let events = checked.all_events(*chat).await.unwrap();
        let found = events.iter().any(|event| {
            matches!(event.action::<BasicChat>(), Ok(BasicChatAction::Edit(_)))
                && content(event).as_ref() == Some(text)
        });
        assert!(
            found,
            "edit {text:?} of chat {chat} returned Ok but is missing"
        );
    }
    let rows = postgres_rows(checked.backend().pool()).await;
    let Checked {
        chats,
        events,
        edits,
    } = verify_chats(checked, &rows, &rows.chats()).await;

    assert!(dropped > 0, "the proxy never had a connection to cut");
    assert!(
        outcomes.failed > 0,
        "no write failed: no cut landed during a write, so nothing was tested"
    );
    let succeeded = outcomes.events.len() + outcomes.edits.len();
    eprintln!(
        "connection cut: {CUTS} cuts ({dropped} connections dropped, pauses \
         {}..={} ms, seed {seed}); {succeeded} writes succeeded, {} failed \
         (e.g. {:?}); {} events committed without an Ok; checked {chats} chats, \
         {events} events, {edits} edits; {:.1} s",
        CUT_PAUSE_MS.0,
        CUT_PAUSE_MS.1,
        outcomes.failed,
        outcomes.first_error,
        events.saturating_sub(succeeded),
        started.elapsed().as_secs_f64()
    );
}

/// What the writers saw.
#[derive(Debug, Default)]
struct Outcomes {
    /// The event ids of the inserts and updates that returned `Ok`.
    events: Vec<Uuid>,
    /// The chat and the (unique) text of every edit that returned `Ok`.
    edits: Vec<(Id<BasicChat>, String)>,
    /// How many writes returned an error.
    failed: usize,
    /// The first error, for the report.
    first_error: Option<String>,
}

impl Outcomes {
    /// Counts a refused write: a cut connection must surface as a storage
    /// error, never as a verdict on the record (which would mean a cut
    /// read was taken for the whole history).
    fn failed(&mut self, error: &Error) {
        assert!(
            !matches!(
                error,
                Error::Invalid(_) | Error::NotFound { .. } | Error::Deleted { .. }
            ),
            "a cut connection surfaced as {error:?}"
        );
        self.failed += 1;
        self.first_error.get_or_insert_with(|| error.to_string());
    }

    fn merge(&mut self, other: Self) {
        self.events.extend(other.events);
        self.edits.extend(other.edits);
        self.failed += other.failed;
        self.first_error = self.first_error.take().or(other.first_error);
    }
}

/// One writer: insert a chat, update it, edit its first message
/// [`EDITS_PER_CHAT`] times, again, until `stop` (or its bounds). A failed
/// insert is retried; a failed update or edit moves on to the next step.
async fn write_chats(
    store: Store<Postgres>,
    writer: usize,
    stop: Arc<AtomicBool>,
    deadline: Instant,
) -> Outcomes {
    let mut outcomes = Outcomes::default();
    let mut current: Option<(Id<BasicChat>, usize)> = None;
    for op in 0..MAX_OPS_PER_WRITER {
        if stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
            break;
        }
        let text = format!("writer {writer}, op {op}");
        current = match current {
            None => match timed(store.insert(message(&text))).await {
                Ok(chat) => {
                    let chat: BasicChat = chat;
                    outcomes.events.push(chat.messages[0].id);
                    Some((chat.id, 0))
                }
                Err(error) => {
                    outcomes.failed(&error);
                    None
                }
            },
            Some((chat, 0)) => {
                match timed(store.update(chat, message(&text))).await {
                    Ok(state) => outcomes.events.push(state.messages[0].id),
                    Err(error) => outcomes.failed(&error),
                }
                Some((chat, 1))
            }
            Some((chat, step)) => {
                match timed(store.execute(chat, edit_action(chat, text.clone()))).await {
                    Ok(_) => outcomes.edits.push((chat, text)),
                    Err(error) => outcomes.failed(&error),
                }
                (step < EDITS_PER_CHAT).then_some((chat, step + 1))
            }
        };
    }
    outcomes
}

/// A new message by a fixed author.
fn message(text: &str) -> NewMessage {
    NewMessage {
        user_id: Uuid::nil(),
        content: text.to_owned(),
    }
}

/// An edit of the chat's first message (whose id is the chat's).
fn edit_action(chat: Id<BasicChat>, text: String) -> BasicChatAction {
    BasicChatAction::Edit(EditMessage {
        edits: chat.uuid(),
        content: text,
    })
}

/// `write`, which must end (with `Ok` or an error) within [`WRITE_TIMEOUT`].
async fn timed<T>(write: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(WRITE_TIMEOUT, write)
        .await
        .unwrap_or_else(|_| panic!("a write hung for {WRITE_TIMEOUT:?}"))
}

/// Waits (at most 10 s) until the server has no session named `application`.
async fn wait_for_sessions_to_end(direct: &PostgresDb, application: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let sessions: i64 =
            sqlx::query_scalar("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1")
                .bind(application)
                .fetch_one(direct.store().backend().pool())
                .await
                .expect("read pg_stat_activity");
        if sessions == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{sessions} server sessions outlived their connections"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A TCP proxy to the server that can drop every connection through it.
struct Proxy {
    /// The port it listens on, on 127.0.0.1.
    port: u16,
    /// The forwarding task of each connection (finished ones pruned).
    connections: Arc<Mutex<Vec<AbortHandle>>>,
    /// The accept loop.
    accepting: JoinHandle<()>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream`.
    async fn start(upstream: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let port = listener.local_addr().expect("the proxy's address").port();
        let connections = Arc::new(Mutex::new(Vec::new()));
        let accepting = tokio::spawn(accept(listener, upstream, Arc::clone(&connections)));
        Self {
            port,
            connections,
            accepting,
        }
    }

    /// Drops every open connection, both its sides (the store's and the
    /// server's); returns how many there were.
    fn cut(&self) -> usize {
        let mut connections = self.connections.lock().expect("the connection list");
        connections
            .drain(..)
            .filter(|task| !task.is_finished())
            .map(|task| task.abort())
            .count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accepting.abort();
        self.cut();
    }
}

/// Accepts connections and forwards each to `upstream` on a task of its
/// own, registered in `connections`; runs until aborted.
async fn accept(
    listener: TcpListener,
    upstream: String,
    connections: Arc<Mutex<Vec<AbortHandle>>>,
) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            // Out of file descriptors, say: try again shortly.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let upstream = upstream.clone();
        let forwarding = tokio::spawn(async move {
            // A server that cannot be reached closes the client's side.
            let Ok(server) = TcpStream::connect(&upstream).await else {
                return;
            };
            let (mut client, mut server) = (client, server);
            // Small protocol messages go out at once (no Nagle delay).
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let _ = copy_bidirectional(&mut client, &mut server).await;
        });
        let mut connections = connections.lock().expect("the connection list");
        connections.retain(|task| !task.is_finished());
        connections.push(forwarding.abort_handle());
    }
}
