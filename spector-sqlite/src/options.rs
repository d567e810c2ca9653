//! How the SQLite backend opens its database: durability and waiting.

use std::time::Duration;

/// How long a write waits for another connection's lock by default.
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The page cache of each connection by default: 64 MiB.
pub const DEFAULT_PAGE_CACHE: u64 = 64 * 1024 * 1024;

/// The read connections of a file database by default.
pub const DEFAULT_READERS: usize = 4;

/// When SQLite considers a committed write durable (its `synchronous`
/// setting, in WAL mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// Every commit is flushed to disk before the write returns: an
    /// acknowledged event survives an application crash, an OS crash and a
    /// power loss. The default.
    #[default]
    Full,
    /// Commits are flushed at checkpoints only: faster, and an acknowledged
    /// event survives an application crash, but the last writes before an
    /// OS crash or a power loss can be lost (the database stays
    /// consistent). Opt in only when losing them is acceptable.
    Normal,
}

impl Synchronous {
    /// The value of SQLite's `synchronous` pragma.
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

/// Settings of an SQLite database opened by the backend.
///
/// ```
/// use std::time::Duration;
/// use spector_sqlite::{SqliteOptions, Synchronous};
///
/// let options = SqliteOptions::default()
///     .busy_timeout(Duration::from_secs(30))
///     .synchronous(Synchronous::Normal);
/// assert_eq!(options.get_busy_timeout(), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SqliteOptions {
    busy_timeout: Option<Duration>,
    synchronous: Synchronous,
    page_cache: Option<u64>,
    readers: Option<usize>,
}

impl SqliteOptions {
    /// How long a write waits while another connection (another process on
    /// the same file) holds the write lock, before failing with
    /// `Error::Busy`, which is safe to retry. Default 5 s.
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = Some(timeout);
        self
    }

    /// The durability of a file database; see [`Synchronous`]. Default
    /// [`Synchronous::Full`].
    #[must_use]
    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.synchronous = synchronous;
        self
    }

    /// The most memory each connection keeps for its page cache (SQLite's
    /// `cache_size`), in bytes. Default [`DEFAULT_PAGE_CACHE`] (64 MiB):
    /// replaying a long history reads its pages once. The cache fills only
    /// as pages are read.
    #[must_use]
    pub fn page_cache(mut self, bytes: u64) -> Self {
        self.page_cache = Some(bytes);
        self
    }

    /// How many read connections a file database keeps beside its writer
    /// (WAL lets them read while it writes). Default [`DEFAULT_READERS`];
    /// 0 runs reads on the writer's connection, between writes.
    #[must_use]
    pub fn readers(mut self, readers: usize) -> Self {
        self.readers = Some(readers);
        self
    }

    /// The page cache size in force, in bytes.
    pub fn get_page_cache(&self) -> u64 {
        self.page_cache.unwrap_or(DEFAULT_PAGE_CACHE)
    }

    /// The number of read connections in force.
    pub fn get_readers(&self) -> usize {
        self.readers.unwrap_or(DEFAULT_READERS)
    }

    /// The busy timeout in force.
    pub fn get_busy_timeout(&self) -> Duration {
        self.busy_timeout.unwrap_or(DEFAULT_BUSY_TIMEOUT)
    }

    /// The durability in force.
    pub fn get_synchronous(&self) -> Synchronous {
        self.synchronous
    }
}
