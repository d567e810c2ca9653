//! `event_log!`: an event log's table and the record types stored in it.
//!
//! Split like the derive: `ast.rs` parses the invocation, `valid.rs` checks
//! the rules and resolves schema indexes, `expand.rs` generates the code.

mod ast;
mod expand;
mod valid;

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};

use crate::ctxt::Ctxt;

/// Expands one `event_log!` invocation, or returns every error found in it.
pub fn event_log(tokens: TokenStream) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let parsed = (|input: ParseStream| ast::LogInput::parse(&cx, input)).parse2(tokens);
    let valid = match &parsed {
        Ok(input) => valid::check(&cx, input),
        Err(error) => {
            cx.push(error.clone());
            None
        }
    };
    cx.check()?;
    Ok(valid.map_or_else(TokenStream::new, |valid| expand::event_log(&valid)))
}
