//! SQLite database URLs: what `Sqlite::connect` accepts.

use std::path::PathBuf;

use rusqlite::OpenFlags;

use crate::error::SqliteError;

/// Where a URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// A private in-memory database.
    Memory,
    /// A database file, opened with these flags.
    File(PathBuf, OpenFlags),
}

/// Parses an SQLite URL: `sqlite::memory:` (or `:memory:`), or a file as
/// `sqlite://path`, `sqlite:path` or a plain path, optionally followed by
/// `?mode=ro|rw|rwc|memory` and `&cache=shared|private` (as sqlx writes
/// them). A URL of another database, or an unknown parameter, is refused.
pub(crate) fn parse(url: &str) -> Result<Target, SqliteError> {
    let refuse = |reason: String| SqliteError::Url {
        url: url.to_owned(),
        reason,
    };
    let rest = match url.split_once(':') {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("sqlite") => {
            rest.strip_prefix("//").unwrap_or(rest)
        }
        // A URL scheme (letters, digits, `+`, `-`, `.`, more than one
        // character: a single letter is a Windows drive) of another database.
        Some((scheme, _))
            if scheme.len() > 1
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) =>
        {
            return Err(refuse(format!(
                "`{scheme}` is not SQLite; an SQLite URL is `sqlite://<file>` or `sqlite::memory:`"
            )))
        }
        _ => url,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    // Read-write, created if missing, URI names, no SQLite mutex:
    // rusqlite's default, which the URL's parameters then adjust.
    let mut flags = OpenFlags::default();
    let mut memory = path == ":memory:";
    for parameter in query.split('&').filter(|p| !p.is_empty()) {
        match parameter.split_once('=') {
            Some(("mode", "ro")) => {
                flags.remove(OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE);
                flags.insert(OpenFlags::SQLITE_OPEN_READ_ONLY);
            }
            Some(("mode", "rw")) => flags.remove(OpenFlags::SQLITE_OPEN_CREATE),
            Some(("mode", "rwc")) => {}
            Some(("mode", "memory")) => memory = true,
            Some(("cache", "shared")) => flags.insert(OpenFlags::SQLITE_OPEN_SHARED_CACHE),
            Some(("cache", "private")) => flags.insert(OpenFlags::SQLITE_OPEN_PRIVATE_CACHE),
            _ => {
                return Err(refuse(format!(
                    "unknown parameter `{parameter}`: use mode=ro|rw|rwc|memory or cache=shared|private"
                )))
            }
        }
    }
    if memory {
        return Ok(Target::Memory);
    }
    if path.is_empty() {
        return Err(refuse("it names no file".to_owned()));
    }
    Ok(Target::File(PathBuf::from(path), flags))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(url: &str) -> (PathBuf, OpenFlags) {
        match parse(url) {
            Ok(Target::File(path, flags)) => (path, flags),
            other => panic!("{url}: {other:?}"),
        }
    }

    #[test]
    fn memory_urls_open_memory() {
        for url in [
            "sqlite::memory:",
            ":memory:",
            "SQLITE::memory:",
            "sqlite::memory:?cache=shared",
            "sqlite://x.db?mode=memory",
        ] {
            assert_eq!(parse(url).unwrap(), Target::Memory, "{url}");
        }
    }

    #[test]
    fn file_urls_name_the_file_without_their_parameters() {
        assert_eq!(file("sqlite://chat.db").0, PathBuf::from("chat.db"));
        assert_eq!(file("sqlite:chat.db").0, PathBuf::from("chat.db"));
        assert_eq!(
            file("sqlite:///tmp/chat.db").0,
            PathBuf::from("/tmp/chat.db")
        );
        assert_eq!(file("chat.db").0, PathBuf::from("chat.db"));
        assert_eq!(file("SQLite://chat.db").0, PathBuf::from("chat.db"));
        assert_eq!(file("C:/data/chat.db").0, PathBuf::from("C:/data/chat.db"));
        assert_eq!(file("./data/a:b.db").0, PathBuf::from("./data/a:b.db"));
        let (path, flags) = file("sqlite://chat.db?mode=rwc");
        assert_eq!(path, PathBuf::from("chat.db"));
        assert!(flags.contains(OpenFlags::SQLITE_OPEN_CREATE));
        let (_, read_only) = file("sqlite://chat.db?mode=ro");
        assert!(read_only.contains(OpenFlags::SQLITE_OPEN_READ_ONLY));
        assert!(!read_only.contains(OpenFlags::SQLITE_OPEN_CREATE));
        let (_, existing) = file("sqlite://chat.db?mode=rw");
        assert!(!existing.contains(OpenFlags::SQLITE_OPEN_CREATE));
    }

    #[test]
    fn other_databases_and_unknown_parameters_are_refused() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres:oops",
            "http://example/chat.db",
            "sqlite://chat.db?journal=wal",
            "sqlite://",
            "",
        ] {
            let error = parse(url).unwrap_err().to_string();
            assert!(error.contains("is not an SQLite URL"), "{url}: {error}");
        }
    }

    #[test]
    fn file_urls_open_read_write_create_without_a_mutex_and_with_uri_names() {
        let (_, flags) = file("sqlite://chat.db");
        assert_eq!(
            flags,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI
        );
    }

    #[test]
    fn the_cache_parameter_picks_a_shared_or_private_cache() {
        let (path, private) = file("sqlite://chat.db?cache=private");
        assert_eq!(path, PathBuf::from("chat.db"));
        assert!(private.contains(OpenFlags::SQLITE_OPEN_PRIVATE_CACHE));
        assert!(!private.contains(OpenFlags::SQLITE_OPEN_SHARED_CACHE));
        let (_, shared) = file("sqlite://chat.db?mode=rwc&cache=shared");
        assert!(shared.contains(OpenFlags::SQLITE_OPEN_SHARED_CACHE));
        assert!(!shared.contains(OpenFlags::SQLITE_OPEN_PRIVATE_CACHE));
    }
}
