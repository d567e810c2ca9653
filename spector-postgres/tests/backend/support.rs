//! What the backend tests share: the server's URL and the opt-out.

/// The server the tests use when `SPECTOR_PG_URL` is not set.
const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The server of the tests: `SPECTOR_PG_URL`, or the local one.
pub fn pg_url() -> String {
    std::env::var("SPECTOR_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// Why the tests that need a server are skipped: `SPECTOR_SKIP_POSTGRES`
/// set to anything but empty or `0`, as in the conformance suite.
pub fn skip_reason() -> Option<String> {
    std::env::var("SPECTOR_SKIP_POSTGRES")
        .ok()
        .filter(|value| !value.is_empty() && value != "0")
        .map(|_| "SPECTOR_SKIP_POSTGRES is set".to_owned())
}

/// Returns from the calling test, saying why, when the user opted out of
/// the tests that need a server.
macro_rules! skip_if_opted_out {
    () => {
        if let Some(reason) = $crate::support::skip_reason() {
            eprintln!("skipped: {reason}");
            return;
        }
    };
}
pub(crate) use skip_if_opted_out;
