//! The macros of Spector: `#[derive(Evented)]` for record types and
//! `event_log!` for event logs. Use them through the `spector` crate, which
//! re-exports them with the runtime they expand to.
//!
//! # `#[derive(Evented)]`
//!
//! On a struct with named fields, no generics, an `id: Uuid` field (the id
//! of the record's first event) and a `Default` impl:
//!
//! ```ignore
//! use spector::{Evented, Uuid};
//!
//! #[derive(Debug, Clone, Default, Evented)]
//! #[evented(
//!     log = ChatEvents,
//!     actions(edit, archive = 17),
//!     links(edits = "previous_id", parents(column = "parent_event_id", table = "chat_parents")),
//!     version = 1,
//! )]
//! pub struct Chat {
//!     pub id: Uuid,
//!     pub messages: Vec<String>,
//! }
//! ```
//!
//! The options of `#[evented(...)]` (several attributes merge):
//!
//! - `log = Path` (required): the event log the record type writes to,
//!   declared with `event_log!`, which must list the type in its `schemas`.
//! - `actions(...)`: custom actions, snake_case names. Each is stored under
//!   a stable code derived from its name
//!   (`spector::action::custom_action_code`), or under an explicit one
//!   (`archive = 17`, at least `spector::action::FIRST_CUSTOM_CODE`). The
//!   built-in names `insert`, `update`, `delete` and `savepoint` are taken.
//! - `links(...)`: links the type's events may carry, as
//!   `name = "column"` or `name(column = "column", table = "table")`. Column
//!   and table must be plain SQL identifiers and the column may not be
//!   `event_id`. The table defaults to the log table's prefix + `_` + name.
//! - `version = n`: the version stored in every new event (default 0).
//!
//! The derive generates:
//!
//! - `{Struct}Action`, an enum with the struct's visibility and the variants
//!   `Insert`, `Update`, `Savepoint` and one per custom action in CamelCase
//!   (`soft_delete` → `SoftDelete`), implementing `spector::RecordAction`
//!   and `Display` (the action's name);
//! - `impl spector::Evented for Struct`: name, schema index (from the log's
//!   `LogMember` impl), version, links, `id()` and `fresh(id)`.
//!
//! The changeset (`impl spector::Changeset`) is written by hand. Every
//! misuse (unknown option, duplicate or built-in action name, malformed
//! link, missing or non-`Uuid` `id`, ...) is a compile error pointing at
//! the offending token, and all of them are reported in one compile.
//!
//! # `event_log!`
//!
//! Declares an event log: its table and the record types stored in it.
//!
//! ```ignore
//! spector::event_log!(
//!     /// Events of chats and their comments.
//!     pub ChatEvents {
//!         table: "chat_events",
//!         schemas: [Chat, Comment = 10],
//!     }
//! );
//! ```
//!
//! - `table` (required): the event table, a plain SQL identifier.
//! - `schemas` (required): the record types, each with its schema index.
//!   The first type without an explicit index gets 0, every later one the
//!   previous index + 1; explicit indexes (`Comment = 10`) may not go
//!   backwards. Keep indexes stable: stored events refer to them.
//!
//! It generates a unit struct (`Debug`, `Clone`, `Copy`, `Default`)
//! implementing `spector::EventLog`, and `spector::LogMember<Log>` for each
//! record type, which is how a record type's `log = ...` finds its index.
//! Outer attributes and doc comments before the visibility go on the struct.

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod log;
mod parse;
mod symbol;
#[cfg(test)]
mod tests;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

use crate::ast::Record;
use crate::ctxt::Ctxt;
use crate::expand::Mode;

/// Derives `spector::Evented` and the action enum `{Struct}Action` for a
/// record type; see the crate documentation for `#[evented(...)]`.
///
/// ```ignore
/// #[derive(Debug, Clone, Default, spector::Evented)]
/// #[evented(log = BasicChatEvents, actions(edit), links(edits = "previous_id"))]
/// pub struct BasicChat {
///     pub id: spector::Uuid,
///     pub messages: Vec<Message>,
/// }
/// ```
#[proc_macro_derive(Evented, attributes(evented))]
pub fn derive_evented(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    evented(&input).into()
}

/// Declares an event log: a unit struct implementing `spector::EventLog`,
/// and `spector::LogMember` for each of its record types.
///
/// ```ignore
/// spector::event_log!(pub BasicChatEvents {
///     table: "basic_chat_events",
///     schemas: [BasicChat, Comment = 10],
/// });
/// ```
#[proc_macro]
pub fn event_log(input: TokenStream) -> TokenStream {
    log::event_log(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Parses, validates and expands one `#[derive(Evented)]`. On misuse, the
/// errors come with the fallback expansion, so that they are the only ones.
fn evented(input: &DeriveInput) -> proc_macro2::TokenStream {
    let cx = Ctxt::new();
    let record = Record::from_syn(&cx, input);
    let valid = record.as_ref().map(|record| valid::check(&cx, record));
    let mode = if cx.is_clean() {
        Mode::Complete
    } else {
        Mode::Fallback
    };
    let expanded = valid.map_or_else(proc_macro2::TokenStream::new, |valid| {
        expand::derive(&valid, mode)
    });
    match cx.check() {
        Ok(()) => expanded,
        Err(error) => {
            let errors = error.into_compile_error();
            quote::quote!(#errors #expanded)
        }
    }
}
