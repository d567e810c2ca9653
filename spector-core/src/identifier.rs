//! SQL identifiers: the only names Spector ever puts into SQL text.

/// The longest identifier accepted (PostgreSQL's limit).
pub const MAX_IDENTIFIER_LEN: usize = 63;

/// True when `name` is a plain SQL identifier that needs no quoting:
/// ASCII letters, digits and `_`, not starting with a digit, at most
/// [`MAX_IDENTIFIER_LEN`] bytes.
///
/// Table and column names of event logs and link tables must pass this
/// check, so no user string is ever interpolated into SQL unchecked.
///
/// ```
/// use spector_core::is_identifier;
///
/// assert!(is_identifier("basic_chat_events"));
/// assert!(!is_identifier("events; DROP TABLE users"));
/// assert!(!is_identifier("1events"));
/// ```
pub const fn is_identifier(name: &str) -> bool {
    let bytes = name.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_IDENTIFIER_LEN || bytes[0].is_ascii_digit() {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if !(b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
        i += 1;
    }
    true
}
