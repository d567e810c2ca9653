//! Compile-time behaviour of `#[derive(Evented)]` and `event_log!`: every
//! misuse in `ui/*.rs` fails with the message stored beside it in
//! `ui/*.stderr`, and the declarations in `ui/pass/` compile and run.
//!
//! Each misuse is a full declaration (record type, event log, changeset)
//! with one mistake, so its `.stderr` shows whether that mistake is the only
//! error. Regenerate the expected messages with
//! `TRYBUILD=overwrite cargo test -p spector-derive-ui`, then read every
//! changed `.stderr`.

#[test]
fn derive_and_event_log_misuses_fail_with_clear_messages() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("ui/*.rs");
    cases.pass("ui/pass/*.rs");
}
