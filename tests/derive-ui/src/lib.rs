//! Compile-time tests of Spector's macros, `#[derive(Evented)]` and
//! `event_log!`: the trybuild cases live in `ui/` and run from
//! `tests/derive_ui.rs`.
//!
//! This crate holds no code. It exists so that the cases compile against
//! `spector` without a backend, which keeps trybuild's own build small.

#![warn(missing_docs)]
