//! `#[derive(LinkKind)]`: the kinds of a typed link, a fieldless enum whose
//! every variant has an explicit integer value.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Expr, ExprLit, ExprUnary, Fields, Lit, UnOp};

use crate::ctxt::Ctxt;

/// The `LinkKind` impl of `input`, or every reason it cannot have one.
pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let Data::Enum(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "`#[derive(LinkKind)]` needs an enum: each variant a kind, with its stored integer, \
             like `Supersedes = 1`",
        ));
    };
    let cx = Ctxt::new();
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a link kind enum cannot be generic");
    }
    let mut variants = Vec::new();
    let mut codes = Vec::new();
    for variant in &data.variants {
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(&variant.fields, "a link kind has no fields");
            continue;
        }
        let Some((_, discriminant)) = &variant.discriminant else {
            cx.error_spanned_by(
                &variant.ident,
                format!(
                    "give `{}` its stored integer, like `{} = 1`: the value is kept in the link \
                     table, so it must not change when variants are added or moved",
                    variant.ident, variant.ident
                ),
            );
            continue;
        };
        match code(discriminant) {
            Some(code) => {
                variants.push(&variant.ident);
                codes.push(code);
            }
            None => cx.error_spanned_by(
                discriminant,
                "expected an integer literal that fits in an `i32`",
            ),
        }
    }
    cx.check()?;
    let ident = &input.ident;
    Ok(quote! {
        #[automatically_derived]
        impl ::spector::LinkKind for #ident {
            const CODES: &'static [i32] = &[#(#codes),*];

            fn code(self) -> i32 {
                match self {
                    #(Self::#variants => #codes,)*
                }
            }

            fn from_code(code: i32) -> ::core::option::Option<Self> {
                match code {
                    #(#codes => ::core::option::Option::Some(Self::#variants),)*
                    _ => ::core::option::Option::None,
                }
            }
        }
    })
}

/// The `i32` an explicit discriminant writes (`3`, `-3`), if it is one.
fn code(expr: &Expr) -> Option<i32> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(int), ..
        }) => int.base10_parse().ok(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr,
            ..
        }) => match &**expr {
            Expr::Lit(ExprLit {
                lit: Lit::Int(int), ..
            }) => format!("-{}", int.base10_digits()).parse().ok(),
            _ => None,
        },
        _ => None,
    }
}
