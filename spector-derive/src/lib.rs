//! The macros of Spector: `#[derive(Evented)]` for record types and
//! `event_log!` for event logs. Use them through the `spector` crate, which
//! re-exports them with the runtime they expand to and documents every
//! option on the re-exported items.
//!
//! Each macro works in stages, one file each: `attr.rs` (or `log/ast.rs`)
//! parses the input into the macro's own model, `valid.rs` checks every rule
//! and resolves the model (collecting every error, each spanned on the
//! offending token), `expand.rs` generates code that calls only the public
//! API of `spector`. When a rule is broken, the derive still emits its items
//! with bodies that never run, so the user sees only the real error.

mod ast;
mod attr;
mod case;
mod ctxt;
mod expand;
mod link_kind;
mod log;
mod parse;
mod shape;
mod similar;
mod symbol;
#[cfg(test)]
mod tests;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

use crate::ast::Record;
use crate::ctxt::Ctxt;
use crate::expand::Mode;

/// Derives `spector::Evented`, the action enum `{Struct}Action` and the
/// link enum `{Struct}Link` for a record type; `spector::Evented` (the
/// derive's re-export) documents `#[evented(...)]`.
#[proc_macro_derive(Evented, attributes(evented))]
pub fn derive_evented(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    evented(&input).into()
}

/// Derives `spector::LinkKind` for the kinds of a typed link: a fieldless
/// enum whose every variant has an explicit integer value (`Cites = 2`),
/// the value stored in the link table's `type` column.
#[proc_macro_derive(LinkKind)]
pub fn derive_link_kind(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    link_kind::derive(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Declares an event log: a unit struct implementing `spector::EventLog`,
/// and `spector::LogMember` for each of its record types; documented on
/// `spector::event_log`.
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
    let valid = valid::check(&cx, &record);
    let mode = if cx.is_clean() {
        Mode::Complete
    } else {
        Mode::Fallback
    };
    let expanded = expand::derive(&valid, mode);
    match cx.check() {
        Ok(()) => expanded,
        Err(error) => {
            let errors = error.into_compile_error();
            quote::quote!(#errors #expanded)
        }
    }
}
