//! Every rule about what a record type may declare. Each violation is a
//! `syn::Error` spanned on the offending token, and all of them are
//! collected, so one compile lists every misuse.

use spector_core::action::{BUILT_IN_NAMES, FIRST_CUSTOM_CODE};
use spector_core::{is_identifier, is_sql_keyword, MAX_IDENTIFIER_LEN};
use syn::{Path, Type};

use crate::ast::Record;
use crate::attr::{Action, Link};
use crate::case::{is_snake_case, to_snake_case};
use crate::ctxt::Ctxt;
use crate::symbol::{EVENT_ID, ID, UUID};

/// A record type that passed every rule, with what `expand.rs` relies on.
pub struct Valid<'r, 'a> {
    /// The record type.
    pub record: &'r Record<'a>,
    /// Its event log.
    pub log: &'r Path,
}

/// Checks every rule on `record`, reporting violations to `cx`; the record
/// is returned for expansion only when it broke none.
pub fn check<'r, 'a>(cx: &Ctxt, record: &'r Record<'a>) -> Option<Valid<'r, 'a>> {
    check_generics(cx, record);
    check_log(cx, record);
    check_id(cx, record);
    check_actions(cx, &record.attrs.actions);
    check_links(cx, &record.attrs.links);
    let log = record.attrs.log.as_ref()?;
    cx.is_clean().then_some(Valid { record, log })
}

/// A record type is stored under one name: no type or lifetime parameters.
fn check_generics(cx: &Ctxt, record: &Record) {
    let generics = record.generics;
    if !generics.params.is_empty() {
        cx.error_spanned_by(
            generics,
            "`#[derive(Evented)]` does not support generic record types: \
             each record type is stored under one name in its event log",
        );
    } else if let Some(clause) = &generics.where_clause {
        cx.error_spanned_by(
            clause,
            "`#[derive(Evented)]` does not support `where` clauses",
        );
    }
}

/// `log = ...` is required.
fn check_log(cx: &Ctxt, record: &Record) {
    if record.attrs.log.is_none() {
        cx.error_spanned_by(
            record.ident,
            "missing `#[evented(log = ...)]`: name the event log (declared with `event_log!`) \
             this record type writes to",
        );
    }
}

/// The record needs `id: Uuid`, the id of its first event.
fn check_id(cx: &Ctxt, record: &Record) {
    match record.field(ID.as_str()) {
        None => cx.error_spanned_by(
            record.ident,
            format!(
                "`{}` has no `id` field: a record type needs `id: Uuid`, the id of its first event",
                record.ident
            ),
        ),
        Some(field) if !is_uuid(field.ty) => cx.error_spanned_by(
            field.ty,
            "the `id` field must be a `Uuid` (`spector::Uuid`): the id of the record's first event",
        ),
        Some(_) => {}
    }
}

/// True when `ty` names a type called `Uuid` (`Uuid`, `uuid::Uuid`, `spector::Uuid`).
fn is_uuid(ty: &Type) -> bool {
    match ty {
        Type::Group(group) => is_uuid(&group.elem),
        Type::Paren(paren) => is_uuid(&paren.elem),
        Type::Path(path) if path.qself.is_none() => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == UUID && segment.arguments.is_none()),
        _ => false,
    }
}

/// Custom actions: snake_case, not built-in, unique in name, variant and code.
fn check_actions(cx: &Ctxt, actions: &[Action]) {
    let mut accepted: Vec<&Action> = Vec::new();
    for action in actions {
        match check_action(action, &accepted) {
            Ok(()) => accepted.push(action),
            Err(error) => cx.push(error),
        }
    }
}

/// The first rule `action` breaks, given the actions accepted before it.
fn check_action(action: &Action, accepted: &[&Action]) -> syn::Result<()> {
    let name = action.name();
    let at_name = |message: String| Err(syn::Error::new(action.ident.span(), message));
    if BUILT_IN_NAMES.contains(&name.as_str()) {
        return at_name(format!("`{name}` is a built-in action"));
    }
    if !is_snake_case(&name) {
        return at_name(format!(
            "action `{name}` must be snake_case, like `{}`",
            to_snake_case(&name)
        ));
    }
    if accepted.iter().any(|seen| seen.name() == name) {
        return at_name(format!("duplicate action `{name}`"));
    }
    let variant = action.variant();
    if let Some(seen) = accepted.iter().find(|seen| seen.variant() == variant) {
        return at_name(format!(
            "actions `{}` and `{name}` would both be the variant `{variant}`",
            seen.name()
        ));
    }
    let code = action.code();
    if let Some(explicit) = action.code.as_ref().filter(|_| code < FIRST_CUSTOM_CODE) {
        return Err(syn::Error::new(
            explicit.lit.span(),
            format!(
                "action code {code} is reserved for built-in actions: \
                 custom codes start at {FIRST_CUSTOM_CODE}"
            ),
        ));
    }
    let Some(seen) = accepted.iter().find(|seen| seen.code() == code) else {
        return Ok(());
    };
    let origin = |a: &Action| match a.code {
        Some(_) => "",
        None => " (derived from its name)",
    };
    let message = format!(
        "action `{name}` has code {code}{}, already the code of action `{}`{}",
        origin(action),
        seen.name(),
        origin(seen),
    );
    match &action.code {
        Some(explicit) => Err(syn::Error::new(explicit.lit.span(), message)),
        None => at_name(format!("{message}; give one of them an explicit code")),
    }
}

/// Links: unique names, a column, and plain SQL identifiers for every name.
fn check_links(cx: &Ctxt, links: &[Link]) {
    let mut accepted: Vec<String> = Vec::new();
    for link in links {
        let name = link.name();
        if accepted.contains(&name) {
            cx.error_spanned_by(&link.ident, format!("duplicate link `{name}`"));
            continue;
        }
        accepted.push(name.clone());
        if !is_identifier(&name) {
            cx.error_spanned_by(&link.ident, not_an_identifier("link name", &name));
        }
        match &link.column {
            None if link.column_reported => {}
            None => cx.error_spanned_by(
                &link.ident,
                format!(
                    "link `{name}` has no column: write `{name} = \"<column>\"` \
                     or `{name}(column = \"<column>\", table = \"<table>\")`"
                ),
            ),
            Some(column) if !is_identifier(&column.value()) => {
                cx.error_spanned_by(column, not_an_identifier("column name", &column.value()))
            }
            Some(column) if column.value() == EVENT_ID.as_str() => cx.error_spanned_by(
                column,
                format!(
                    "the column of link `{name}` may not be `event_id`: \
                     every link table already has that column"
                ),
            ),
            Some(_) => {}
        }
        if let Some(table) = link
            .table
            .as_ref()
            .filter(|table| !is_identifier(&table.value()))
        {
            cx.error_spanned_by(table, not_an_identifier("table name", &table.value()));
        }
    }
}

/// The message for a name that `is_identifier` refuses: "`x y` is not a
/// valid column name: ...". Shared with `event_log!`.
pub fn not_an_identifier(what: &str, value: &str) -> String {
    if is_sql_keyword(value) {
        return format!("`{value}` is not a valid {what}: it is an SQL keyword");
    }
    format!(
        "`{value}` is not a valid {what}: use ASCII letters, digits and `_`, \
         not starting with a digit, at most {MAX_IDENTIFIER_LEN} bytes"
    )
}
