//! The `event_log!` invocation parsed into the macro's own model:
//! `#[attrs] vis Name { table: "...", schemas: [A, B = 10] }`.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{
    braced, bracketed, token, Attribute, Ident, LitBool, LitInt, LitStr, Path, Token, Visibility,
};

use crate::ctxt::Ctxt;
use crate::parse::comma_list;
use crate::symbol::{expected, EVENT_LOG_KEYS, HASHED, SCHEMAS, TABLE};

/// An `event_log!` invocation.
pub struct LogInput {
    /// Outer attributes (doc comments) written before the visibility.
    pub attrs: Vec<Attribute>,
    /// The log type's visibility.
    pub vis: Visibility,
    /// The log type's name.
    pub ident: Ident,
    /// `table: "..."` (required, checked in `valid.rs`).
    pub table: Option<LitStr>,
    /// `schemas: [...]` (required, checked in `valid.rs`), in order.
    pub schemas: Option<Vec<Schema>>,
    /// `hashed: true`: the log is a hash chain (default false).
    pub hashed: Option<LitBool>,
}

/// One entry of `schemas`: a record type with an optional explicit index.
pub struct Schema {
    /// The record type.
    pub path: Path,
    /// `= 10`, when given.
    pub index: Option<Index>,
}

/// An explicit schema index with the literal it was written as.
pub struct Index {
    /// The index.
    pub value: i32,
    /// The literal, for error spans.
    pub lit: LitInt,
}

impl LogInput {
    /// Parses an invocation. The header (`vis Name { ... }`) must parse;
    /// problems inside the braces are reported to `cx` and parsing goes on.
    pub fn parse(cx: &Ctxt, input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let ident: Ident = input.parse()?;
        let content;
        braced!(content in input);
        let mut log = Self {
            attrs,
            vis,
            ident,
            table: None,
            schemas: None,
            hashed: None,
        };
        comma_list(cx, &content, |input| log.entry(cx, input));
        Ok(log)
    }

    /// Parses one `key: value` entry of the body.
    fn entry(&mut self, cx: &Ctxt, input: ParseStream) -> syn::Result<()> {
        let key = input.call(Ident::parse_any)?;
        if key == TABLE {
            input.parse::<Token![:]>()?;
            if !input.peek(LitStr) {
                return Err(input
                    .error("expected the table name as a string, like `table: \"chat_events\"`"));
            }
            let table: LitStr = input.parse()?;
            if self.table.is_some() {
                cx.error_spanned_by(&key, "duplicate `table`");
            } else {
                self.table = Some(table);
            }
        } else if key == SCHEMAS {
            input.parse::<Token![:]>()?;
            if !input.peek(token::Bracket) {
                return Err(input.error(
                    "expected a list of record types, like `schemas: [Chat, Comment = 10]`",
                ));
            }
            let content;
            let bracket = bracketed!(content in input);
            if content.is_empty() {
                cx.error_at(
                    bracket.span.join(),
                    "`schemas` needs at least one record type",
                );
            }
            let mut entries = Vec::new();
            comma_list(cx, &content, |input| {
                entries.push(schema(input)?);
                Ok(())
            });
            if self.schemas.is_some() {
                cx.error_spanned_by(&key, "duplicate `schemas`");
            } else {
                self.schemas = Some(entries);
            }
        } else if key == HASHED {
            input.parse::<Token![:]>()?;
            if !input.peek(LitBool) {
                return Err(input.error("expected `hashed: true` or `hashed: false`"));
            }
            let hashed: LitBool = input.parse()?;
            if self.hashed.is_some() {
                cx.error_spanned_by(&key, "duplicate `hashed`");
            } else {
                self.hashed = Some(hashed);
            }
        } else {
            return Err(syn::Error::new(
                key.span(),
                format!(
                    "unknown event_log! key `{key}`, {}",
                    expected(EVENT_LOG_KEYS)
                ),
            ));
        }
        Ok(())
    }
}

/// Parses one schema entry: `Chat` or `Comment = 10`.
fn schema(input: ParseStream) -> syn::Result<Schema> {
    let path: Path = input.parse()?;
    let index = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        if !input.peek(LitInt) {
            return Err(input
                .error("expected a schema index (a non-negative integer), like `Comment = 10`"));
        }
        let lit: LitInt = input.parse()?;
        let value = lit
            .base10_parse::<i32>()
            .map_err(|_| syn::Error::new(lit.span(), "the schema index must fit in an `i32`"))?;
        Some(Index { value, lit })
    } else {
        None
    };
    Ok(Schema { path, index })
}
