//! Parsing helpers shared by `#[evented(...)]` and `event_log!`: comma
//! separated lists that keep going after a bad entry, so every bad entry is
//! reported in one compile.

use proc_macro2::TokenTree;
use syn::parse::ParseStream;
use syn::Token;

use crate::ctxt::Ctxt;

/// Parses all of `input` as a comma-separated list (a trailing comma is
/// fine), calling `entry` once per item.
///
/// An item that fails to parse is reported to `cx` and skipped up to the
/// next comma, and the following items are still parsed.
pub fn comma_list<F>(cx: &Ctxt, input: ParseStream, mut entry: F)
where
    F: FnMut(ParseStream) -> syn::Result<()>,
{
    while !input.is_empty() {
        if let Err(error) = entry(input) {
            cx.push(error);
            skip_entry(input);
        }
        if input.is_empty() {
            break;
        }
        if let Err(error) = input.parse::<Token![,]>() {
            cx.push(error);
            skip_entry(input);
            if input.parse::<Option<Token![,]>>().is_err() {
                break;
            }
        }
    }
}

/// Consumes every token up to (not including) the next top-level comma.
fn skip_entry(input: ParseStream) {
    // Moving the cursor forward never fails, so there is no error to keep.
    let _ = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((token, next)) = rest.token_tree() {
            if matches!(&token, TokenTree::Punct(punct) if punct.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    });
}

#[cfg(test)]
mod tests {
    use syn::parse::Parser;
    use syn::LitInt;

    use super::*;

    fn numbers(tokens: proc_macro2::TokenStream) -> (Vec<u32>, Vec<String>) {
        let cx = Ctxt::new();
        let mut found = Vec::new();
        let parser = |input: ParseStream| {
            comma_list(&cx, input, |input| {
                found.push(input.parse::<LitInt>()?.base10_parse()?);
                Ok(())
            });
            Ok(())
        };
        let parsed = parser.parse2(tokens);
        assert!(parsed.is_ok());
        let errors = match cx.check() {
            Ok(()) => Vec::new(),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        };
        (found, errors)
    }

    #[test]
    fn a_list_with_a_trailing_comma_parses_every_item() {
        let (found, errors) = numbers(quote::quote!(1, 2, 3,));
        assert_eq!(found, [1, 2, 3]);
        assert!(errors.is_empty());
    }

    #[test]
    fn a_bad_item_is_reported_and_the_rest_still_parse() {
        let (found, errors) = numbers(quote::quote!(1, x y, 3, "s", 5));
        assert_eq!(found, [1, 3, 5]);
        assert_eq!(errors.len(), 2);
    }

    #[test]
    fn junk_after_an_item_is_reported_once() {
        let (found, errors) = numbers(quote::quote!(1 2 3, 4));
        assert_eq!(found, [1, 4]);
        assert_eq!(errors, ["expected `,`"]);
    }
}
