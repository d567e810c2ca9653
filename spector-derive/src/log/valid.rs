//! The rules of `event_log!`: a valid table name, distinct record types,
//! and schema indexes that only go forward.

use spector_core::backend::is_identifier;
use syn::{Attribute, Ident, Path, Visibility};

use super::ast::{LogInput, Schema};
use crate::ctxt::Ctxt;
use crate::valid::not_an_identifier;

/// An `event_log!` that passed every rule, with its schema indexes resolved.
pub struct ValidLog<'a> {
    /// Outer attributes to forward to the log type.
    pub attrs: &'a [Attribute],
    /// The log type's visibility.
    pub vis: &'a Visibility,
    /// The log type's name.
    pub ident: &'a Ident,
    /// The event table.
    pub table: String,
    /// The record types with their resolved indexes, in order.
    pub schemas: Vec<(&'a Path, i32)>,
    /// Whether the log is a hash chain.
    pub hashed: bool,
}

/// Checks every rule on `log`, reporting violations to `cx`; the log is
/// returned for expansion only when it broke none.
pub fn check<'a>(cx: &Ctxt, log: &'a LogInput) -> Option<ValidLog<'a>> {
    let table = match &log.table {
        None => {
            cx.error_spanned_by(
                &log.ident,
                format!(
                    "missing `table: \"...\"`: the event table of `{}`",
                    log.ident
                ),
            );
            None
        }
        Some(table) if !is_identifier(&table.value()) => {
            cx.error_spanned_by(table, not_an_identifier("table name", &table.value()));
            None
        }
        Some(table) => Some(table.value()),
    };
    let schemas = match &log.schemas {
        None => {
            cx.error_spanned_by(
                &log.ident,
                format!(
                    "missing `schemas: [...]`: the record types stored in `{}`",
                    log.ident
                ),
            );
            Vec::new()
        }
        Some(schemas) => indexes(cx, schemas),
    };
    let table = table?;
    cx.is_clean().then_some(ValidLog {
        attrs: &log.attrs,
        vis: &log.vis,
        ident: &log.ident,
        table,
        schemas,
        hashed: log.hashed.as_ref().is_some_and(|hashed| hashed.value),
    })
}

/// Resolves the schema indexes: the first schema without an explicit index
/// gets 0, a later one the previous index + 1; an explicit index must be
/// greater than the previous one. Also rejects a schema listed twice.
fn indexes<'a>(cx: &Ctxt, entries: &'a [Schema]) -> Vec<(&'a Path, i32)> {
    let mut resolved: Vec<(&'a Path, i32)> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for schema in entries {
        let name = path_name(&schema.path);
        if names.contains(&name) {
            cx.error_spanned_by(
                &schema.path,
                format!("`{name}` is listed twice in `schemas`"),
            );
            continue;
        }
        names.push(name.clone());
        let previous = resolved.last().copied();
        let index = match (&schema.index, previous) {
            (Some(explicit), Some((previous_path, previous_index)))
                if explicit.value <= previous_index =>
            {
                cx.error_spanned_by(
                    &explicit.lit,
                    format!(
                        "schema index {} of `{name}` must be greater than {previous_index}, \
                         the index of `{}`: explicit indexes may not go backwards",
                        explicit.value,
                        path_name(previous_path)
                    ),
                );
                continue;
            }
            (Some(explicit), _) => explicit.value,
            (None, None) => 0,
            (None, Some((_, previous_index))) => match previous_index.checked_add(1) {
                Some(index) => index,
                None => {
                    cx.error_spanned_by(
                        &schema.path,
                        format!("the schema index of `{name}` would not fit in an `i32`"),
                    );
                    continue;
                }
            },
        };
        resolved.push((&schema.path, index));
    }
    resolved
}

/// A path as written, without spaces: `crate::chat::Chat`.
fn path_name(path: &Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}
