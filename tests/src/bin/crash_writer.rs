//! The child process of the crash test (`tests/tests/crash.rs`): writes
//! basic chats in a loop until it is killed, and reports every write the
//! store acknowledged.
//!
//! ```text
//! crash_writer sqlite <database file>
//! crash_writer postgres <server url> <schema>
//! ```
//!
//! It migrates the basic chat log, prints `ready`, then repeats: insert a
//! chat, update it (a second message), edit the first message twice (each
//! edit links to the version it replaces). After each write returned `Ok`
//! it prints `ack <event id>` and flushes stdout, so that every line the
//! parent reads is a write the store has committed.
//!
//! The loop is bounded (a number of chats and a deadline) so that a child
//! whose parent forgot it ends by itself; it also ends when stdout is gone.

use std::error::Error;
use std::io::{self, Write};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use spector::backend::Storage;
use spector::postgres::Postgres;
use spector::sqlite::Sqlite;
use spector::Store;
use spector_examples::basic_chat::{
    BasicChat, BasicChatAction, BasicChatEvents, EditMessage, NewMessage,
};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use uuid::Uuid;

/// The most chats one run writes.
const MAX_CHATS: usize = 1_000_000;

/// The longest one run writes; the parent kills it well before.
const MAX_RUN_TIME: Duration = Duration::from_secs(60);

/// How many times the first message of each chat is edited.
const EDITS_PER_CHAT: usize = 2;

type BoxError = Box<dyn Error + Send + Sync>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["sqlite", path] => match Sqlite::open(path).await {
            Ok(backend) => write_until_killed(Store::new(backend)).await,
            Err(error) => Err(error.into()),
        },
        ["postgres", url, schema] => match postgres(url, schema).await {
            Ok(backend) => write_until_killed(Store::new(backend)).await,
            Err(error) => Err(error),
        },
        _ => {
            eprintln!("usage: crash_writer sqlite <file> | crash_writer postgres <url> <schema>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("crash_writer: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A pool on `url` whose connections use `schema`, named after it in
/// `pg_stat_activity` (the test waits for them to end after the kill).
async fn postgres(url: &str, schema: &str) -> Result<Postgres, BoxError> {
    let options = PgConnectOptions::from_str(url)?
        .options([("search_path", schema)])
        .application_name(schema);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(options)
        .await?;
    Ok(Postgres::from_pool(pool))
}

/// Migrates, prints `ready`, then writes chats and acknowledges each write
/// until killed (or until the bounds of the loop are reached).
async fn write_until_killed<B: Storage>(store: Store<B>) -> Result<(), BoxError> {
    store.migrate::<BasicChatEvents>().await?;
    let mut out = io::stdout().lock();
    writeln!(out, "ready")?;
    out.flush()?;

    let author = Uuid::now_v7();
    let deadline = Instant::now() + MAX_RUN_TIME;
    for n in 0..MAX_CHATS {
        if Instant::now() >= deadline {
            break;
        }
        let new_message = |content: String| NewMessage {
            user_id: author,
            content,
        };

        let chat: BasicChat = store.insert(new_message(format!("chat {n}"))).await?;
        ack(&mut out, chat.messages[0].id)?;

        let chat = store
            .update(chat.id, new_message(format!("reply in chat {n}")))
            .await?;
        ack(&mut out, chat.messages[0].id)?;

        for edit in 0..EDITS_PER_CHAT {
            let action = BasicChatAction::Edit(EditMessage {
                edits: chat.id.uuid(),
                content: format!("chat {n}, edit {edit}"),
            });
            store.execute(chat.id, action).await?;
            // The chat has one writer, this process: its last event is the edit.
            let events = store.all_events(chat.id).await?;
            let edit_event = events.last().ok_or("a chat without events")?;
            ack(&mut out, edit_event.id)?;
        }
    }
    Ok(())
}

/// Reports one acknowledged write.
fn ack(out: &mut impl Write, event_id: Uuid) -> io::Result<()> {
    writeln!(out, "ack {event_id}")?;
    out.flush()
}
