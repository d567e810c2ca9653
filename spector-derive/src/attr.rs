//! `#[evented(...)]` parsed into plain values.
//!
//! This file knows the attribute's grammar and reports what does not fit it:
//! an unknown option, a value of the wrong kind, a single-valued option given
//! twice. Rules about the values themselves (duplicate actions, reserved
//! names, SQL identifiers, ...) live in `valid.rs`. Several `#[evented]`
//! attributes on one struct merge.

use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{parenthesized, token, Attribute, Ident, LitInt, LitStr, Path, Token};

use crate::case::to_camel_case;
use crate::ctxt::Ctxt;
use crate::parse::comma_list;
use crate::symbol::{
    expected, ACTIONS, COLUMN, EVENTED, EVENTED_OPTIONS, LINKS, LINK_OPTIONS, LOG, TABLE, VERSION,
};

/// Everything the `#[evented(...)]` attributes of a struct say.
#[derive(Default)]
pub struct Attrs {
    /// `log = Path`: the record type's event log (required, checked in `valid.rs`).
    pub log: Option<Path>,
    /// `actions(...)`: the custom actions, in declaration order.
    pub actions: Vec<Action>,
    /// `links(...)`: the links, in declaration order.
    pub links: Vec<Link>,
    /// `version = n`: the record type's version (0 when not given).
    pub version: Option<u32>,
}

/// One custom action: `edit` or `archive = 17`.
pub struct Action {
    /// The name as written.
    pub ident: Ident,
    /// The explicit code, when given.
    pub code: Option<Code>,
}

/// An explicit action code with the literal it was written as.
pub struct Code {
    /// The code.
    pub value: i32,
    /// The literal, for error spans.
    pub lit: LitInt,
}

/// One link: `edits = "previous_id"` or `parents(column = "..", table = "..")`.
pub struct Link {
    /// The link name as written.
    pub ident: Ident,
    /// The column pointing to the linked event (required, checked in `valid.rs`).
    pub column: Option<LitStr>,
    /// A `column` was written but is malformed, and that is already
    /// reported: `valid.rs` does not add "no column".
    pub column_reported: bool,
    /// The link table, when not the default.
    pub table: Option<LitStr>,
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

    /// The stored code: the explicit one, or the one derived from the name.
    pub fn code(&self) -> i32 {
        self.code.as_ref().map_or_else(
            || spector_core::action::custom_action_code(&self.name()),
            |code| code.value,
        )
    }
}

impl Link {
    /// The link's name: the identifier without any `r#`.
    pub fn name(&self) -> String {
        self.ident.unraw().to_string()
    }
}

/// Parses every `#[evented(...)]` among `attrs`, reporting problems to `cx`.
pub fn parse(cx: &Ctxt, attrs: &[Attribute]) -> Attrs {
    let mut parsed = Attrs::default();
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

/// Parses one option of `#[evented(...)]` into `attrs`.
fn option(cx: &Ctxt, attrs: &mut Attrs, input: ParseStream) -> syn::Result<()> {
    let key = input.call(Ident::parse_any)?;
    if key == LOG {
        expect_eq(input, &key, "log = <event log type>")?;
        let path: Path = input.parse()?;
        if attrs.log.is_some() {
            cx.error_spanned_by(&key, "duplicate `log` option");
        } else {
            attrs.log = Some(path);
        }
    } else if key == ACTIONS {
        let content = parenthesized_after(input, &key, "actions(edit, archive = 17)")?;
        comma_list(cx, &content, |input| {
            attrs.actions.push(action(input)?);
            Ok(())
        });
    } else if key == LINKS {
        let content = parenthesized_after(input, &key, "links(edits = \"previous_id\")")?;
        comma_list(cx, &content, |input| {
            attrs.links.push(link(cx, input)?);
            Ok(())
        });
    } else if key == VERSION {
        expect_eq(input, &key, "version = 1")?;
        let lit = int_literal(input, "expected a version number, like `version = 1`")?;
        let version = lit
            .base10_parse::<u32>()
            .map_err(|_| syn::Error::new(lit.span(), "the version must fit in a `u32`"))?;
        if attrs.version.is_some() {
            cx.error_spanned_by(&key, "duplicate `version` option");
        } else {
            attrs.version = Some(version);
        }
    } else {
        return Err(syn::Error::new(
            key.span(),
            format!(
                "unknown evented option `{key}`, {}",
                expected(EVENTED_OPTIONS)
            ),
        ));
    }
    Ok(())
}

/// Parses one custom action: `edit` or `archive = 17`.
fn action(input: ParseStream) -> syn::Result<Action> {
    let ident = name(
        input,
        "expected an action name, like `edit` or `archive = 17`",
    )?;
    let code = if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let lit = int_literal(input, "expected an action code, like `archive = 17`")?;
        let value = lit
            .base10_parse::<i32>()
            .map_err(|_| syn::Error::new(lit.span(), "the action code must fit in an `i32`"))?;
        Some(Code { value, lit })
    } else {
        None
    };
    Ok(Action { ident, code })
}

/// Parses one link: `edits = "previous_id"`, `parents(column = "..", table = "..")`
/// or a bare name (reported as missing its column by `valid.rs`).
fn link(cx: &Ctxt, input: ParseStream) -> syn::Result<Link> {
    let ident = name(
        input,
        "expected a link name, like `edits = \"previous_id\"`",
    )?;
    let mut link = Link {
        ident,
        column: None,
        column_reported: false,
        table: None,
    };
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let what = format!("the column of link `{}`", link.name());
        link.column = Some(string_literal(
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
    let link_name = link.name();
    let is_column = key == COLUMN;
    if !is_column && key != TABLE {
        return Err(syn::Error::new(
            key.span(),
            format!(
                "unknown option `{key}` of link `{link_name}`, {}",
                expected(LINK_OPTIONS)
            ),
        ));
    }
    let form = format!("{key} = \"<{key}>\"");
    let value = expect_eq(input, &key, &form)
        .and_then(|()| string_literal(input, &format!("the {key} of link `{link_name}`"), &form));
    let value = match value {
        Ok(value) => value,
        Err(error) => {
            link.column_reported |= is_column;
            return Err(error);
        }
    };
    let slot = if is_column {
        &mut link.column
    } else {
        &mut link.table
    };
    if slot.is_some() {
        cx.error_spanned_by(&key, format!("duplicate `{key}` of link `{link_name}`"));
    } else {
        *slot = Some(value);
    }
    Ok(())
}

/// Parses a name (action or link): a plain identifier or a raw one (`r#type`).
fn name(input: ParseStream, message: &str) -> syn::Result<Ident> {
    if input.peek(Ident::peek_any) {
        input.parse()
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
