//! What the fault tests (`crash.rs`, `connection_cut.rs`) share: a small
//! random source for timing, and the checks of a basic chat log after a
//! fault.

use std::collections::{HashMap, HashSet};
use std::time::{SystemTime, UNIX_EPOCH};

use spector::backend::Storage;
use spector::{Id, Replay, Store};
use spector_examples::basic_chat::{BasicChat, BasicChatAction, BasicChatLink};
use sqlx::PgPool;
use uuid::Uuid;

/// A xorshift64 generator seeded from the clock: it only picks *when*
/// faults happen, never what the tests assert.
pub struct XorShift(u64);

impl XorShift {
    /// A generator seeded from the current time.
    pub fn from_time() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970");
        let seed = now.as_secs() ^ u64::from(now.subsec_nanos()).rotate_left(32);
        Self(seed | 1)
    }

    /// The seed-derived state, for the test's report.
    pub fn seed(&self) -> u64 {
        self.0
    }

    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }
}

/// The rows of a basic chat log as the database holds them, read with SQL
/// that bypasses the library.
#[derive(Debug, Default)]
pub struct Rows {
    /// `(id, parent_id)` of every event.
    pub events: Vec<(Uuid, Uuid)>,
    /// `(event_id, previous_id)` of every `edits` link row.
    pub links: Vec<(Uuid, Uuid)>,
}

impl Rows {
    /// Every chat: the distinct record ids.
    pub fn chats(&self) -> Vec<Uuid> {
        let mut chats: Vec<Uuid> = self.events.iter().map(|&(_, parent)| parent).collect();
        chats.sort_unstable();
        chats.dedup();
        chats
    }
}

/// The rows of the basic chat log in the schema of `pool`.
pub async fn postgres_rows(pool: &PgPool) -> Rows {
    let pairs = |sql: &'static str| sqlx::query_as::<_, (Uuid, Uuid)>(sql).fetch_all(pool);
    Rows {
        events: pairs("SELECT id, parent_id FROM basic_chat_events")
            .await
            .expect("read the event rows"),
        links: pairs("SELECT event_id, previous_id FROM basic_chat_edits")
            .await
            .expect("read the link rows"),
    }
}

/// How much [`verify_chats`] looked at.
#[derive(Debug, Default, Clone, Copy)]
pub struct Checked {
    /// Chats whose `get` was compared with a fresh replay.
    pub chats: usize,
    /// Their events.
    pub events: usize,
    /// Their edit events, each with its one link checked.
    pub edits: usize,
}

/// Checks that nothing partial is in the log and that reads agree with it,
/// panicking on the first violation:
///
/// - every link row belongs to a stored event and targets one;
/// - for each chat of `chats`: `all_events` returns every row of the chat,
///   first the insert whose id is the chat's; `get` equals a fresh
///   [`Replay`] of those events; each event's links, as read, are exactly
///   its link rows; every edit has exactly one `edits` link, to the version
///   it replaces (the message, then each earlier edit of it in turn), and
///   no other event has a link.
pub async fn verify_chats<B: Storage>(store: &Store<B>, rows: &Rows, chats: &[Uuid]) -> Checked {
    let stored: HashSet<Uuid> = rows.events.iter().map(|&(id, _)| id).collect();
    let mut link_rows: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for &(event, target) in &rows.links {
        assert!(
            stored.contains(&event),
            "link row of a missing event {event}"
        );
        assert!(
            stored.contains(&target),
            "link row to a missing event {target}"
        );
        link_rows.entry(event).or_default().push(target);
    }
    let mut rows_per_chat: HashMap<Uuid, usize> = HashMap::new();
    for &(_, parent) in &rows.events {
        *rows_per_chat.entry(parent).or_default() += 1;
    }

    let mut checked = Checked::default();
    for &chat in chats {
        let id = Id::<BasicChat>::new(chat);
        let events = store.all_events(id).await.expect("read a chat's events");
        assert_eq!(
            events.len(),
            rows_per_chat.get(&chat).copied().unwrap_or(0),
            "all_events of chat {chat} returns each of its rows"
        );
        assert!(
            events.first().is_some_and(|e| e.id == chat && e.is_first()),
            "chat {chat} starts with its insert"
        );
        let replayed = Replay::<BasicChat>::run(&events).expect("a stored chat replays");
        let got = store.get(id).await.expect("get a chat");
        assert!(got.is_some(), "chat {chat} exists");
        assert_eq!(got, replayed, "get equals a fresh replay for chat {chat}");

        // The latest version of each edited message: what its next edit links to.
        let mut latest: HashMap<Uuid, Uuid> = HashMap::new();
        for event in &events {
            let linked: Vec<Uuid> = event.linked(BasicChatLink::Edits).collect();
            let mut rows_of_event = link_rows.get(&event.id).cloned().unwrap_or_default();
            rows_of_event.sort_unstable();
            let mut linked_sorted = linked.clone();
            linked_sorted.sort_unstable();
            assert_eq!(
                linked_sorted, rows_of_event,
                "event {} reads with exactly its link rows",
                event.id
            );
            match event
                .action::<BasicChat>()
                .expect("a stored action decodes")
            {
                BasicChatAction::Edit(edit) => {
                    let replaced = latest.get(&edit.edits).copied().unwrap_or(edit.edits);
                    assert_eq!(
                        linked,
                        vec![replaced],
                        "edit {} links once, to the version it replaces",
                        event.id
                    );
                    latest.insert(edit.edits, event.id);
                    checked.edits += 1;
                }
                BasicChatAction::Insert(_) | BasicChatAction::Update(_) => {
                    assert!(linked.is_empty(), "event {} has no links", event.id);
                }
            }
        }
        checked.chats += 1;
        checked.events += events.len();
    }
    checked
}
