//! SQLite database files of the tests' own, in the temp directory.

use std::path::{Path, PathBuf};

use uuid::Uuid;

/// An SQLite database file in the temp directory (not created yet), removed
/// with its WAL files on drop.
#[derive(Debug)]
pub struct TempDatabase(PathBuf);

impl TempDatabase {
    /// A fresh path `<temp>/<prefix>-<uuid>.db`.
    pub fn new(prefix: &str) -> Self {
        Self(std::env::temp_dir().join(format!("{prefix}-{}.db", Uuid::now_v7())))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}
