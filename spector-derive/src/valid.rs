//! Every rule about what a record type may declare. Each violation is a
//! `syn::Error` spanned on the offending token, and all of them are
//! collected, so one compile lists every misuse. The rules also resolve the
//! declaration into the model `expand.rs` generates from.

use spector_core::action::{custom_action_code, is_built_in_code, BUILT_INS, INSERT, UPDATE};
use spector_core::backend::{is_identifier, is_sql_keyword, MAX_IDENTIFIER_LEN};
use syn::ext::IdentExt;
use syn::{Ident, LitStr, Path, Type};

use crate::ast::{Field, Record};
use crate::attr::{Action, FieldStorage, Link};
use crate::case::{is_snake_case, to_snake_case};
use crate::ctxt::Ctxt;
use crate::shape::not_an_object;
use crate::similar::distance;
use crate::symbol::{EVENT_ID, ID, INSERT as INSERT_ACTION, UPDATE as UPDATE_ACTION};

/// A record type resolved for expansion. When a rule was broken it holds
/// what could still be resolved, so that the fallback expansion declares
/// the types user code names and only the real error shows.
pub struct Valid<'r, 'a> {
    /// The record type.
    pub record: &'r Record<'a>,
    /// Its event log, when given.
    pub log: Option<&'r Path>,
    /// Its `id` field, when it has one.
    pub id: Option<&'r Field<'a>>,
    /// Every action: `insert`, `update` when declared, the custom ones.
    pub actions: ValidActions<'r>,
    /// Every link, in declaration order.
    pub links: Vec<ValidLink<'r>>,
    /// The materialized table, when declared and valid.
    pub table: Option<ValidTable<'r, 'a>>,
}

/// A materialized table: its name and the fields that are its columns, the
/// id field first.
pub struct ValidTable<'r, 'a> {
    /// The table name.
    pub name: String,
    /// The fields with a column, the id field first.
    pub columns: Vec<&'r Field<'a>>,
}

/// The actions of a record type.
pub struct ValidActions<'r> {
    /// `insert`, which every record type has.
    pub insert: ValidAction<'r>,
    /// `update`, only when declared.
    pub update: Option<ValidAction<'r>>,
    /// The custom actions, in declaration order.
    pub custom: Vec<ValidAction<'r>>,
}

impl<'r> ValidActions<'r> {
    /// Every action: `insert`, `update` when declared, then the custom ones.
    pub fn iter(&self) -> impl Iterator<Item = &ValidAction<'r>> {
        std::iter::once(&self.insert)
            .chain(&self.update)
            .chain(&self.custom)
    }
}

/// One action of the generated enum.
pub struct ValidAction<'r> {
    /// The variant: `Edit`.
    pub variant: Ident,
    /// The name: `edit`.
    pub name: String,
    /// Its payload type; `None` for `Attrs`.
    pub payload: Option<&'r Type>,
    /// Its stored code.
    pub code: i32,
    /// The former name it also answers to, when it keeps that name's code.
    pub alias: Option<String>,
}

/// One link of the generated enum.
pub struct ValidLink<'r> {
    /// The variant: `Edits`.
    pub variant: Ident,
    /// The name: `edits`.
    pub name: String,
    /// The column pointing to the linked event.
    pub column: String,
    /// The link table, when not the default.
    pub table: Option<&'r LitStr>,
    /// False for `unconstrained`: its events may belong to other records.
    pub constrained: bool,
    /// The kinds of a typed link.
    pub kind: Option<&'r Type>,
}

/// Checks every rule on `record`, reporting violations to `cx`, and
/// resolves what passed.
pub fn check<'r, 'a>(cx: &Ctxt, record: &'r Record<'a>) -> Valid<'r, 'a> {
    check_generics(cx, record);
    check_log(cx, record);
    let id = check_id(cx, record);
    Valid {
        record,
        log: record.options.log.as_ref(),
        id,
        actions: check_actions(cx, &record.options.actions),
        links: check_links(cx, &record.options.links),
        table: check_table(cx, record, id),
    }
}

/// `table = "..."`: a valid table name, and every field that is a column
/// a valid column name; `json` and `skip` only with a table, never on the
/// id field.
fn check_table<'r, 'a>(
    cx: &Ctxt,
    record: &'r Record<'a>,
    id: Option<&'r Field<'a>>,
) -> Option<ValidTable<'r, 'a>> {
    let Some(table) = &record.options.table else {
        for field in &record.fields {
            if let Some(attr) = field.storage_attr {
                cx.error_spanned_by(
                    attr,
                    "`json` and `skip` describe a materialized column: \
                     declare the table with `#[evented(table = \"...\")]` on the struct",
                );
            }
        }
        return None;
    };
    let mut valid = true;
    let name = table.value();
    if !is_identifier(&name) {
        cx.error_spanned_by(table, not_an_identifier("table name", &name));
        valid = false;
    }
    let id = id?;
    if let (FieldStorage::Json | FieldStorage::Skip, Some(attr)) = (id.storage, id.storage_attr) {
        cx.error_spanned_by(
            attr,
            "the id field is the table's key: it is always a UUID column",
        );
        valid = false;
    }
    let mut columns = vec![id];
    for field in &record.fields {
        if std::ptr::eq(field, id) || field.storage == FieldStorage::Skip {
            continue;
        }
        let column = field.ident.unraw().to_string();
        if !is_identifier(&column) {
            cx.error_spanned_by(
                field.ident,
                format!(
                    "{}; or mark the field `#[evented(skip)]`",
                    not_an_identifier("column name", &column)
                ),
            );
            valid = false;
        }
        columns.push(field);
    }
    valid.then_some(ValidTable { name, columns })
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
    if record.options.log.is_none() {
        cx.error_spanned_by(
            record.ident,
            "missing `#[evented(log = ...)]`: name the event log (declared with `event_log!`) \
             this record type writes to",
        );
    }
}

/// The record needs an `id` field (or the field `id = ...` names); its
/// type (`Uuid` or `Id<Self>`) is checked by the compiler on the generated
/// code, spanned on the type.
fn check_id<'r, 'a>(cx: &Ctxt, record: &'r Record<'a>) -> Option<&'r Field<'a>> {
    if let Some(named) = &record.options.id {
        let field = record.field(&named.unraw().to_string());
        if field.is_none() && !record.shape_refused {
            cx.error_spanned_by(
                named,
                format!("`{}` has no field `{named}` to be its id", record.ident),
            );
        }
        return field;
    }
    let field = record.field(ID.as_str());
    if field.is_none() && !record.shape_refused {
        cx.error_spanned_by(
            record.ident,
            format!(
                "`{}` has no `id` field: a record type needs `id: Id<Self>` (or `id: Uuid`), \
                 the id of its first event",
                record.ident
            ),
        );
    }
    field
}

/// Built-in payloads and custom actions: every name snake_case and
/// declared once, every code distinct and not a built-in's, no name a
/// misspelt built-in, every payload type one that may be a JSON object.
fn check_actions<'r>(cx: &Ctxt, actions: &'r [Action]) -> ValidActions<'r> {
    let mut insert = built_in("Insert", INSERT_ACTION.as_str(), INSERT);
    let mut update: Option<ValidAction<'r>> = None;
    let mut seen_built_ins: Vec<String> = Vec::new();
    let mut custom: Vec<ValidAction<'r>> = Vec::new();
    for action in actions {
        if let Some(error) = check_payload(action) {
            cx.push(error);
        }
        let misspelt = misspelt_built_in(action).map(|(meant, error)| {
            cx.push(error);
            meant
        });
        let name = misspelt.map_or_else(|| action.name(), str::to_owned);
        let slot = if name == INSERT_ACTION.as_str() {
            Some(&mut insert)
        } else if name == UPDATE_ACTION.as_str() {
            Some(update.get_or_insert_with(|| built_in("Update", UPDATE_ACTION.as_str(), UPDATE)))
        } else {
            None
        };
        match slot {
            // A misspelt or refused built-in still gets its payload type, so
            // that the fallback expansion matches the code that uses it.
            Some(slot) => {
                let checked = if misspelt.is_some() {
                    Ok(())
                } else {
                    check_built_in(action, &seen_built_ins)
                };
                if !seen_built_ins.contains(&name) {
                    slot.payload = action.payload.as_ref();
                    seen_built_ins.push(name);
                }
                if let Err(error) = checked {
                    cx.push(error);
                }
            }
            None if misspelt.is_some() => keep_for_fallback(action, &mut custom),
            None => match check_custom(action, actions, &custom) {
                Ok(valid) => custom.push(valid),
                Err(error) => {
                    keep_for_fallback(action, &mut custom);
                    cx.push(error);
                }
            },
        }
    }
    ValidActions {
        insert,
        update,
        custom,
    }
}

/// The built-in `action` looks like a misspelling of, with the error saying
/// so: `insret` is one edit from `insert`. A raw name (`r#updates`) is taken
/// as written, for a custom action that is meant to be that close.
fn misspelt_built_in(action: &Action) -> Option<(&'static str, syn::Error)> {
    if action.ident.to_string().starts_with("r#") {
        return None;
    }
    let name = action.name();
    let (meant, _) = BUILT_INS
        .iter()
        .find(|(built_in, _)| *built_in != name && distance(&name, built_in) == 1)?;
    let how = match *meant {
        "delete" => " It is built in and needs no declaration: `Store::delete` deletes a record.",
        "savepoint" => " Savepoints are the store's: declare `savepoints` on the struct.",
        _ => "",
    };
    let message = format!(
        "unknown action `{name}`: did you mean the built-in `{meant}`?{how} \
         (to name a custom action `{name}`, write `r#{name}`)"
    );
    Some((meant, syn::Error::new(action.ident.span(), message)))
}

/// The payload type of `action`, when the derive can tell it never
/// serializes to a JSON object (a string, a number, a sequence, a tuple):
/// refused on the type.
fn check_payload(action: &Action) -> Option<syn::Error> {
    let ty = action.payload.as_ref()?;
    let shape = not_an_object(ty)?;
    Some(syn::Error::new_spanned(
        ty,
        format!(
            "the payload of `{}` serializes to {shape}, not to the JSON object a payload is \
             stored as: use a struct with named fields (`struct {} {{ .. }}`), or name no \
             type for `Attrs`",
            action.name(),
            action.variant()
        ),
    ))
}

/// Keeps the variant of a refused action, so that the fallback expansion
/// still declares what user code names and only the real error shows.
fn keep_for_fallback<'r>(action: &'r Action, custom: &mut Vec<ValidAction<'r>>) {
    let variant = action.variant();
    let built_in = BUILT_INS.iter().any(|(name, _)| *name == action.name());
    if !built_in && !custom.iter().any(|seen| seen.variant == variant) {
        custom.push(ValidAction {
            variant,
            name: action.name(),
            payload: action.payload.as_ref(),
            code: 0,
            alias: None,
        });
    }
}

/// A built-in action without a payload type yet.
fn built_in<'r>(variant: &str, name: &str, code: i32) -> ValidAction<'r> {
    ValidAction {
        variant: Ident::new(variant, proc_macro2::Span::call_site()),
        name: name.to_owned(),
        payload: None,
        code,
        alias: None,
    }
}

/// `insert = T` / `update = T`: a payload type only, given once.
fn check_built_in(action: &Action, seen: &[String]) -> syn::Result<()> {
    let name = action.name();
    if seen.contains(&name) {
        return Err(syn::Error::new(
            action.ident.span(),
            format!("duplicate action `{name}`"),
        ));
    }
    if let Some(code) = &action.code {
        return Err(syn::Error::new(
            code.lit.span(),
            format!("the built-in action `{name}` keeps its code: only its payload type may be given, like `{name} = NewMessage`"),
        ));
    }
    if let Some(alias) = &action.alias {
        return Err(syn::Error::new(
            alias.span(),
            format!("the built-in action `{name}` cannot have an alias"),
        ));
    }
    Ok(())
}

/// The first rule a custom `action` breaks, given every declared action and
/// the custom ones accepted before it; or the action resolved.
fn check_custom<'r>(
    action: &'r Action,
    declared: &[Action],
    accepted: &[ValidAction<'r>],
) -> syn::Result<ValidAction<'r>> {
    let name = action.name();
    let at_name = |message: String| Err(syn::Error::new(action.ident.span(), message));
    if BUILT_INS.iter().any(|(built_in, _)| *built_in == name) {
        return at_name(format!(
            "`{name}` is a built-in action without a payload: only `insert` and `update` \
             may name a payload type (`delete` is `Store::delete`; savepoints are the store's)"
        ));
    }
    if !is_snake_case(&name) {
        return at_name(format!(
            "action `{name}` must be snake_case, like `{}`",
            to_snake_case(&name)
        ));
    }
    if accepted.iter().any(|seen| seen.name == name) {
        return at_name(format!("duplicate action `{name}`"));
    }
    let variant = action.variant();
    if let Some(seen) = accepted.iter().find(|seen| seen.variant == variant) {
        return at_name(format!(
            "actions `{}` and `{name}` would both be the variant `{variant}`",
            seen.name
        ));
    }
    let alias = check_alias(action, declared)?;
    let code = match (&action.code, &alias) {
        (Some(code), Some(_)) => {
            return Err(syn::Error::new(
                code.lit.span(),
                format!("action `{name}` has both a code and an alias: an alias keeps the code of the former name, so give one of them"),
            ))
        }
        (Some(code), None) if is_built_in_code(code.value) => {
            return Err(syn::Error::new(
                code.lit.span(),
                format!(
                    "action code {} is reserved: codes 1 to 4 are the built-in actions' \
                     (insert, update, delete, savepoint)",
                    code.value
                ),
            ))
        }
        (Some(code), None) => code.value,
        (None, Some(alias)) => custom_action_code(alias),
        (None, None) => custom_action_code(&name),
    };
    if let Some(seen) = accepted.iter().find(|seen| seen.code == code) {
        let message = format!(
            "action `{name}` has code {code}, already the code of action `{}`",
            seen.name
        );
        return match &action.code {
            Some(explicit) => Err(syn::Error::new(explicit.lit.span(), message)),
            None => at_name(format!("{message}; give one of them an explicit code")),
        };
    }
    Ok(ValidAction {
        variant,
        name,
        payload: action.payload.as_ref(),
        code,
        alias,
    })
}

/// `alias = former_name`: a snake_case name that is neither a built-in nor
/// one of the type's declared actions.
fn check_alias(action: &Action, declared: &[Action]) -> syn::Result<Option<String>> {
    let Some(alias) = &action.alias else {
        return Ok(None);
    };
    let former = alias.to_string();
    let at_alias = |message: String| Err(syn::Error::new(alias.span(), message));
    if BUILT_INS.iter().any(|(built_in, _)| *built_in == former) {
        return at_alias(format!(
            "unknown action `{former}` for an alias: an alias keeps the code of a former \
             custom action, and `{former}` is built in"
        ));
    }
    if !is_snake_case(&former) {
        return at_alias(format!(
            "unknown action `{former}` for an alias: action names are snake_case, like `{}`",
            to_snake_case(&former)
        ));
    }
    if former == action.name() {
        return at_alias(format!("action `{former}` cannot be its own alias"));
    }
    if declared.iter().any(|other| other.name() == former) {
        return at_alias(format!(
            "`{former}` is still declared as an action: an alias names a former action, \
             whose events the new name takes over"
        ));
    }
    Ok(Some(former))
}

/// Links: unique names and variants, plain SQL identifiers for every name.
fn check_links<'r>(cx: &Ctxt, links: &'r [Link]) -> Vec<ValidLink<'r>> {
    let mut accepted: Vec<ValidLink<'r>> = Vec::new();
    for link in links {
        let name = link.name();
        let variant = link.variant();
        if accepted.iter().any(|seen| seen.name == name) {
            cx.error_spanned_by(&link.ident, format!("duplicate link `{name}`"));
            continue;
        }
        if let Some(seen) = accepted.iter().find(|seen| seen.variant == variant) {
            cx.error_spanned_by(
                &link.ident,
                format!(
                    "links `{}` and `{name}` would both be the variant `{variant}`",
                    seen.name
                ),
            );
            continue;
        }
        let mut valid = true;
        if !is_identifier(&name) {
            cx.error_spanned_by(&link.ident, not_an_identifier("link name", &name));
            valid = false;
        }
        let column = link.column_name();
        match (&link.column, &column) {
            (_, None) => valid = false,
            (crate::attr::Column::Given(lit), Some(column)) if !is_identifier(column) => {
                cx.error_spanned_by(lit, not_an_identifier("column name", column));
                valid = false;
            }
            (crate::attr::Column::Given(lit), Some(column)) if column == EVENT_ID.as_str() => {
                cx.error_spanned_by(
                    lit,
                    format!(
                        "the column of link `{name}` may not be `event_id`: \
                         every link table already has that column"
                    ),
                );
                valid = false;
            }
            _ => {}
        }
        if let Some(table) = link
            .table
            .as_ref()
            .filter(|table| !is_identifier(&table.value()))
        {
            cx.error_spanned_by(table, not_an_identifier("table name", &table.value()));
            valid = false;
        }
        if let (true, Some(column)) = (valid, column) {
            accepted.push(ValidLink {
                variant,
                name,
                column,
                table: link.table.as_ref(),
                constrained: link.unconstrained.is_none(),
                kind: link.kind.as_ref(),
            });
        }
    }
    accepted
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
