//! `#[evented(...)]` parsed into plain values.
//!
//! This file knows the attribute's grammar and reports what does not fit it:
//! an unknown option (with the one it looks like a misspelling of, whose
//! value is then read as that option's, for the fallback expansion), a value
//! of the wrong kind, a single-valued option given twice. Rules about the
//! values themselves (duplicate actions, reserved names, SQL identifiers,
//! ...) live in `valid.rs`. Several `#[evented]` attributes on one struct
//! merge.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{parenthesized, token, Attribute, Ident, LitInt, LitStr, Path, Token, Type};

use crate::case::to_camel_case;
use crate::ctxt::Ctxt;
use crate::parse::comma_list;
use crate::similar::closest;
use crate::symbol::{
    expected, Symbol, ACTIONS, ACTION_OPTIONS, ALIAS, CODE, COLUMN, CUSTOM, EVENTED,
    EVENTED_OPTIONS, FIELD_OPTIONS, ID, JSON, KIND, LINKS, LINK_OPTIONS, LOG, PAYLOAD, SAVEPOINTS,
    SAVEPOINT_EVERY, SAVEPOINT_OPTIONS, SKIP, TABLE, UNCONSTRAINED, VERSION,
};

/// Everything the `#[evented(...)]` attributes of a struct say.
#[derive(Default)]
pub struct EventedOptions {
    /// `log = Path`: the record type's event log (required, checked in `valid.rs`).
    pub log: Option<Path>,
    /// `actions(...)`: the built-in payloads and the custom actions, in
    /// declaration order.
    pub actions: Vec<Action>,
    /// `links(...)`: the links, in declaration order.
    pub links: Vec<Link>,
    /// `version = n`: the record type's version (0 when not given).
    pub version: Option<u32>,
    /// `savepoints` or `savepoints(custom)`.
    pub savepoints: Option<Savepoints>,
    /// `savepoint_every = n`: the keyword and the interval.
    pub savepoint_every: Option<(Ident, u32)>,
    /// `table = "users"`: the materialized table.
    pub table: Option<LitStr>,
    /// `id = uuid`: the id field, when not `id`.
    pub id: Option<Ident>,
}

/// `savepoints`, as written.
pub struct Savepoints {
    /// The `savepoints` keyword, for spans.
    pub key: Ident,
    /// `savepoints(custom)`: the user implements `Savepoint`.
    pub custom: bool,
}

/// One entry of `actions(...)`: `edit`, `edit = EditMessage`,
/// `archive = 17` or `soft_delete(payload = T, code = 17, alias = archive)`.
pub struct Action {
    /// The name as written.
    pub ident: Ident,
    /// The payload type, when given (else `Attrs`).
    pub payload: Option<Type>,
    /// The explicit code, when given.
    pub code: Option<Code>,
    /// The former name whose code the action keeps, when given.
    pub alias: Option<Ident>,
}

/// An explicit action code with the tokens it was written as.
pub struct Code {
    /// The code.
    pub value: i32,
    /// The literal, for error spans.
    pub lit: LitInt,
}

/// One link: `edits`, `edits = "previous_id"` or
/// `parents(column = "..", table = "..", unconstrained)`.
pub struct Link {
    /// The link name as written.
    pub ident: Ident,
    /// The column pointing to the linked event.
    pub column: Column,
    /// The link table, when not the default.
    pub table: Option<LitStr>,
    /// `unconstrained`: the keyword, when given.
    pub unconstrained: Option<Ident>,
    /// `kind = Relation`: the kinds of a typed link, when given.
    pub kind: Option<Type>,
}

/// The column of a link, as written.
pub enum Column {
    /// Not written: `<name>_id`.
    Default,
    /// Written, but malformed; already reported.
    Malformed,
    /// Written.
    Given(LitStr),
}

impl Action {
    /// The action's name: the identifier without any `r#`.
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// The action's enum variant: `soft_delete` → `SoftDelete`.
    pub fn variant(&self) -> Ident {
        Ident::new(&to_camel_case(&self.name()), self.ident.span())
    }
}

impl Link {
    /// The link's name: the identifier without any `r#`.
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }

    /// The link's enum variant: `edits` → `Edits`.
    pub fn variant(&self) -> Ident {
        Ident::new(&to_camel_case(&self.name()), self.ident.span())
    }

    /// The column's name: as written, or `<name>_id`.
    pub fn column_name(&self) -> Option<String> {
        match &self.column {
            Column::Default => Some(format!("{}_id", self.name())),
            Column::Malformed => None,
            Column::Given(column) => Some(column.value()),
        }
    }
}

/// Parses every `#[evented(...)]` among `attrs`, reporting problems to `cx`.
pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> EventedOptions {
    let mut parsed = EventedOptions::default();
    for attr in attrs
        .iter()
        .filter(|attr| attr.path().is_ident(EVENTED.as_str()))
    {
        let result = attr.parse_args_with(|input: ParseStream| {
            comma_list(cx, input, |input| option(cx, &mut parsed, input));
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    parsed
}

/// Parses one option of `#[evented(...)]` into `options`.
fn option(cx: &Ctxt, options: &mut EventedOptions, input: ParseStream) -> syn::Result<()> {
    let key = input.call(Ident::parse_any)?;
    if option_value(cx, options, &key, input)? {
        return Ok(());
    }
    Err(unknown(
        &key,
        format!("unknown evented option `{key}`"),
        EVENTED_OPTIONS,
        |scratch, meant| option_value(scratch, options, &meant, input),
    ))
}

/// Parses the value of the option `key` into `options`; `false` (nothing
/// parsed) when `key` is not an option of `#[evented(...)]`.
fn option_value(
    cx: &Ctxt,
    options: &mut EventedOptions,
    key: &Ident,
    input: ParseStream,
) -> syn::Result<bool> {
    let key = key.clone();
    if key == LOG {
        expect_eq(input, &key, "log = <event log type>")?;
        let path: Path = input.parse()?;
        if options.log.is_some() {
            cx.error_spanned_by(&key, "duplicate `log` option");
        } else {
            options.log = Some(path);
        }
    } else if key == ACTIONS {
        let content = parenthesized_after(input, &key, "actions(edit = EditMessage, archive)")?;
        comma_list(cx, &content, |input| {
            options.actions.push(action(cx, input)?);
            Ok(())
        });
    } else if key == LINKS {
        let content = parenthesized_after(input, &key, "links(edits = \"previous_id\")")?;
        comma_list(cx, &content, |input| {
            options.links.push(link(cx, input)?);
            Ok(())
        });
    } else if key == VERSION {
        expect_eq(input, &key, "version = 1")?;
        let lit = int_literal(input, "expected a version number, like `version = 1`")?;
        let version = lit
            .base10_parse::<u32>()
            .map_err(|_| syn::Error::new(lit.span(), "the version must fit in a `u32`"))?;
        if options.version.is_some() {
            cx.error_spanned_by(&key, "duplicate `version` option");
        } else {
            options.version = Some(version);
        }
    } else if key == SAVEPOINTS {
        let custom = if input.peek(token::Paren) {
            let content;
            parenthesized!(content in input);
            let mut custom = false;
            comma_list(cx, &content, |input| {
                let option = input.call(Ident::parse_any)?;
                if option != CUSTOM {
                    return Err(unknown(
                        &option,
                        format!("unknown option `{option}` of `savepoints`"),
                        SAVEPOINT_OPTIONS,
                        |_, _| {
                            custom = true;
                            Ok(())
                        },
                    ));
                }
                custom = true;
                Ok(())
            });
            custom
        } else {
            false
        };
        if options.savepoints.is_some() {
            cx.error_spanned_by(&key, "duplicate `savepoints` option");
        } else {
            options.savepoints = Some(Savepoints { key, custom });
        }
    } else if key == SAVEPOINT_EVERY {
        expect_eq(input, &key, "savepoint_every = 100")?;
        let lit = int_literal(
            input,
            "expected a number of events, like `savepoint_every = 100`",
        )?;
        let every = lit
            .base10_parse::<u32>()
            .ok()
            .filter(|every| *every > 0)
            .ok_or_else(|| {
                syn::Error::new(
                    lit.span(),
                    "`savepoint_every` must be a number of events from 1 to 4294967295",
                )
            })?;
        if options.savepoint_every.is_some() {
            cx.error_spanned_by(&key, "duplicate `savepoint_every` option");
        } else {
            options.savepoint_every = Some((key, every));
        }
    } else if key == TABLE {
        expect_eq(input, &key, "table = \"users\"")?;
        let table: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected a table name, like `table = \"users\"`",
            )
        })?;
        if options.table.is_some() {
            cx.error_spanned_by(&key, "duplicate `table` option");
        } else {
            options.table = Some(table);
        }
    } else if key == ID {
        expect_eq(input, &key, "id = uuid")?;
        let field = input.call(Ident::parse_any).map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the id field's name, like `id = uuid`",
            )
        })?;
        if options.id.is_some() {
            cx.error_spanned_by(&key, "duplicate `id` option");
        } else {
            options.id = Some(field);
        }
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// The error for the unknown option `key`: `what`, then "did you mean" the
/// one of `known` it looks like a misspelling of, or the list of `known`.
///
/// When there is a likely meaning, `parse_as` parses the option's value as
/// that option's (its own errors are dropped: the misspelling is the one
/// error), so that the fallback expansion declares what the option says
/// and the code using it does not fail too.
fn unknown<T, F>(key: &Ident, what: String, known: &[Symbol], parse_as: F) -> syn::Error
where
    F: FnOnce(&Ctxt, Ident) -> syn::Result<T>,
{
    let word = key.unraw().to_string();
    let Some(meant) = closest(&word, known.iter().map(|symbol| symbol.as_str())) else {
        return syn::Error::new(key.span(), format!("{what}, {}", expected(known)));
    };
    // Errors inside a misspelt option show once it is spelt right.
    let scratch = Ctxt::new();
    let _ = parse_as(&scratch, Ident::new(meant, key.span()));
    let _ = scratch.check();
    syn::Error::new(key.span(), format!("{what}: did you mean `{meant}`?"))
}

/// How a field is stored in the materialized table, from its
/// `#[evented(json)]` or `#[evented(skip)]`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum FieldStorage {
    /// Its own column, of its type's kind.
    Column,
    /// A JSON column.
    Json,
    /// No column.
    Skip,
}

/// Parses the `#[evented(...)]` attributes of a field: the storage and the
/// attribute that set it (for spans).
pub fn parse_field<'a>(cx: &Ctxt, attrs: &'a [Attribute]) -> (FieldStorage, Option<&'a Attribute>) {
    let mut storage = FieldStorage::Column;
    let mut given = None;
    for attr in attrs
        .iter()
        .filter(|attr| attr.path().is_ident(EVENTED.as_str()))
    {
        let result = attr.parse_args_with(|input: ParseStream| {
            comma_list(cx, input, |input| {
                let key = input.call(Ident::parse_any)?;
                let kind = if key == JSON {
                    FieldStorage::Json
                } else if key == SKIP {
                    FieldStorage::Skip
                } else if EVENTED_OPTIONS.iter().any(|option| key == *option) {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("`{key}` goes on the struct, not on a field"),
                    ));
                } else {
                    return Err(unknown(
                        &key,
                        format!("unknown field option `{key}`"),
                        FIELD_OPTIONS,
                        |_, _| Ok(()),
                    ));
                };
                if given.is_some() {
                    cx.error_spanned_by(&key, "a field takes one of `json` and `skip`, once");
                } else {
                    storage = kind;
                    given = Some(attr);
                }
                Ok(())
            });
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    (storage, given)
}

/// Parses one entry of `actions(...)`.
fn action(cx: &Ctxt, input: ParseStream) -> syn::Result<Action> {
    let ident = name(
        input,
        "expected an action name, like `edit`, `edit = EditMessage` or `archive = 17`",
    )?;
    let mut action = Action {
        ident,
        payload: None,
        code: None,
        alias: None,
    };
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        if input.peek(LitInt) || input.peek(Token![-]) {
            action.code = Some(code(input)?);
        } else {
            action.payload = Some(input.parse()?);
        }
    } else if input.peek(token::Paren) {
        let content;
        parenthesized!(content in input);
        comma_list(cx, &content, |input| action_option(cx, &mut action, input));
    }
    Ok(action)
}

/// Parses one option inside an action's parentheses into `action`.
fn action_option(cx: &Ctxt, action: &mut Action, input: ParseStream) -> syn::Result<()> {
    let key = input.call(Ident::parse_any)?;
    if action_option_value(cx, action, &key, input)? {
        return Ok(());
    }
    Err(unknown(
        &key,
        format!("unknown option `{key}` of action `{}`", action.name()),
        ACTION_OPTIONS,
        |scratch, meant| action_option_value(scratch, action, &meant, input),
    ))
}

/// Parses the value of the action option `key` into `action`; `false`
/// (nothing parsed) when `key` is not an option of an action.
fn action_option_value(
    cx: &Ctxt,
    action: &mut Action,
    key: &Ident,
    input: ParseStream,
) -> syn::Result<bool> {
    let key = key.clone();
    let action_name = action.name();
    let duplicate = || format!("duplicate `{key}` of action `{action_name}`");
    if key == PAYLOAD {
        expect_eq(input, &key, "payload = EditMessage")?;
        let payload: Type = input.parse()?;
        if action.payload.is_some() {
            cx.error_spanned_by(&key, duplicate());
        } else {
            action.payload = Some(payload);
        }
    } else if key == CODE {
        expect_eq(input, &key, "code = 17")?;
        let code = code(input)?;
        if action.code.is_some() {
            cx.error_spanned_by(&key, duplicate());
        } else {
            action.code = Some(code);
        }
    } else if key == ALIAS {
        expect_eq(input, &key, "alias = archive")?;
        let alias = name(
            input,
            "expected the action's former name, like `alias = archive`",
        )?;
        if action.alias.is_some() {
            cx.error_spanned_by(&key, duplicate());
        } else {
            action.alias = Some(alias);
        }
    } else {
        return Ok(false);
    }
    Ok(true)
}

/// Parses an action code: an integer literal, possibly negative.
fn code(input: ParseStream) -> syn::Result<Code> {
    let negative = input.parse::<Option<Token![-]>>()?.is_some();
    let lit = int_literal(input, "expected an action code, like `archive = 17`")?;
    let value = lit
        .base10_parse::<i64>()
        .ok()
        .map(|value| if negative { -value } else { value })
        .and_then(|value| i32::try_from(value).ok())
        .ok_or_else(|| syn::Error::new(lit.span(), "the action code must fit in an `i32`"))?;
    Ok(Code { value, lit })
}

/// Parses one link: `edits`, `edits = "previous_id"` or
/// `parents(column = "..", table = "..")`.
fn link(cx: &Ctxt, input: ParseStream) -> syn::Result<Link> {
    let ident = name(
        input,
        "expected a link name, like `edits` or `edits = \"previous_id\"`",
    )?;
    let mut link = Link {
        ident,
        column: Column::Default,
        table: None,
        unconstrained: None,
        kind: None,
    };
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let what = format!("the column of link `{}`", link.name());
        link.column = Column::Given(string_literal(
            input,
            &what,
            &format!("{} = \"previous_id\"", link.name()),
        )?);
    } else if input.peek(token::Paren) {
        let content;
        parenthesized!(content in input);
        comma_list(cx, &content, |input| link_option(cx, &mut link, input));
    }
    Ok(link)
}

/// Parses one option inside a link's parentheses into `link`.
fn link_option(cx: &Ctxt, link: &mut Link, input: ParseStream) -> syn::Result<()> {
    let key = input.call(Ident::parse_any)?;
    if link_option_value(cx, link, &key, input)? {
        return Ok(());
    }
    Err(unknown(
        &key,
        format!("unknown option `{key}` of link `{}`", link.name()),
        LINK_OPTIONS,
        |scratch, meant| link_option_value(scratch, link, &meant, input),
    ))
}

/// Parses the value of the link option `key` into `link`; `false` (nothing
/// parsed) when `key` is not an option of a link.
fn link_option_value(
    cx: &Ctxt,
    link: &mut Link,
    key: &Ident,
    input: ParseStream,
) -> syn::Result<bool> {
    let key = key.clone();
    let link_name = link.name();
    if key == KIND {
        expect_eq(input, &key, "kind = Relation")?;
        let kind: Type = input.parse()?;
        if link.kind.is_some() {
            cx.error_spanned_by(&key, format!("duplicate `{key}` of link `{link_name}`"));
        } else {
            link.kind = Some(kind);
        }
        return Ok(true);
    }
    if key == UNCONSTRAINED {
        if link.unconstrained.is_some() {
            cx.error_spanned_by(&key, format!("duplicate `{key}` of link `{link_name}`"));
        } else {
            link.unconstrained = Some(key);
        }
        return Ok(true);
    }
    let is_column = key == COLUMN;
    if !is_column && key != TABLE {
        return Ok(false);
    }
    let form = format!("{key} = \"<{key}>\"");
    let value = expect_eq(input, &key, &form)
        .and_then(|()| string_literal(input, &format!("the {key} of link `{link_name}`"), &form));
    let value = match value {
        Ok(value) => value,
        Err(error) => {
            if is_column {
                link.column = Column::Malformed;
            }
            return Err(error);
        }
    };
    let taken = if is_column {
        !matches!(link.column, Column::Default)
    } else {
        link.table.is_some()
    };
    if taken {
        cx.error_spanned_by(&key, format!("duplicate `{key}` of link `{link_name}`"));
    } else if is_column {
        link.column = Column::Given(value);
    } else {
        link.table = Some(value);
    }
    Ok(true)
}

/// Parses a name (action or link): a plain identifier or a raw one (`r#type`).
fn name(input: ParseStream, message: &str) -> syn::Result<Ident> {
    if input.peek(Ident::peek_any) {
        input.call(Ident::parse_any)
    } else {
        Err(input.error(message))
    }
}

/// Consumes the `=` after `key`, or explains the expected form.
fn expect_eq(input: ParseStream, key: &Ident, form: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>().map(drop)
    } else {
        Err(syn::Error::new(key.span(), format!("expected `{form}`")))
    }
}

/// The parenthesized list after `key`, or an error explaining the expected form.
fn parenthesized_after<'a>(
    input: ParseStream<'a>,
    key: &Ident,
    form: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if input.peek(token::Paren) {
        let content;
        parenthesized!(content in input);
        Ok(content)
    } else {
        Err(syn::Error::new(key.span(), format!("expected `{form}`")))
    }
}

/// Parses an integer literal, or fails with `message` on the next token.
fn int_literal(input: ParseStream, message: &str) -> syn::Result<LitInt> {
    if input.peek(LitInt) {
        input.parse()
    } else {
        Err(input.error(message))
    }
}

/// Parses a string literal holding `what`, or fails on the next token with
/// an example of the expected `form`.
fn string_literal(input: ParseStream, what: &str, form: &str) -> syn::Result<LitStr> {
    if input.peek(LitStr) {
        input.parse()
    } else {
        Err(syn::Error::new(
            input.span(),
            format!("{what} must be a string literal, like `{form}`"),
        ))
    }
}
