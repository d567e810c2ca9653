//! Code generation for `#[derive(Evented)]`: the action enum and the
//! `Evented` impl, written against the public API of `spector` only.

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::Ident;

use crate::valid::Valid;

/// The action enum `{Record}Action` with its `RecordAction` and `Display`
/// impls, and the record's `Evented` impl.
pub fn derive(valid: &Valid) -> TokenStream {
    let actions = action_enum(valid);
    let evented = evented_impl(valid);
    quote! {
        #actions
        #evented
    }
}

/// One variant of the action enum: its ident, name, code and doc line.
struct Variant {
    /// The variant: `Edit`.
    ident: Ident,
    /// The action's name: `edit`.
    name: String,
    /// The expression of its code.
    code: TokenStream,
    /// Its doc comment.
    doc: String,
}

/// The built-in variants: variant, action name, the constant in
/// `spector::action` holding its code, doc line.
const BUILT_IN: [(&str, &str, &str, &str); 3] = [
    (
        "Insert",
        "insert",
        "INSERT",
        " The record's first event (`insert`).",
    ),
    (
        "Update",
        "update",
        "UPDATE",
        " An update of the record (`update`).",
    ),
    (
        "Savepoint",
        "savepoint",
        "SAVEPOINT",
        " The replay of savepoint attrs (`savepoint`).",
    ),
];

/// The built-in variants followed by the custom ones, in declaration order.
fn variants(valid: &Valid) -> Vec<Variant> {
    let built_in = BUILT_IN.iter().map(|(variant, name, code, doc)| {
        let code = Ident::new(code, Span::call_site());
        Variant {
            ident: Ident::new(variant, Span::call_site()),
            name: (*name).to_owned(),
            code: quote!(::spector::action::#code),
            doc: (*doc).to_owned(),
        }
    });
    let custom = valid.record.attrs.actions.iter().map(|action| {
        let code = Literal::i32_unsuffixed(action.code());
        Variant {
            ident: action.variant(),
            name: action.name(),
            code: quote!(#code),
            doc: format!(" The custom action `{}`.", action.name()),
        }
    });
    built_in.chain(custom).collect()
}

/// The action enum and its impls.
fn action_enum(valid: &Valid) -> TokenStream {
    let record = valid.record;
    let vis = record.vis;
    let ident = record.action_ident();
    let doc = format!(
        " The actions of [`{}`]: the built-in ones and its custom actions.",
        record.ident
    );
    let variants = variants(valid);
    let idents: Vec<_> = variants.iter().map(|v| &v.ident).collect();
    let names: Vec<_> = variants.iter().map(|v| &v.name).collect();
    let codes: Vec<_> = variants.iter().map(|v| &v.code).collect();
    let docs: Vec<_> = variants.iter().map(|v| &v.doc).collect();
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #vis enum #ident {
            #(
                #[doc = #docs]
                #idents,
            )*
        }

        #[automatically_derived]
        impl ::spector::RecordAction for #ident {
            const INSERT: Self = Self::Insert;
            const UPDATE: Self = Self::Update;
            const SAVEPOINT: Self = Self::Savepoint;

            fn all() -> &'static [Self] {
                const ALL: &[#ident] = &[#(#ident::#idents),*];
                ALL
            }

            fn name(self) -> &'static str {
                match self {
                    #(Self::#idents => #names,)*
                }
            }

            fn code(self) -> i32 {
                match self {
                    #(Self::#idents => #codes,)*
                }
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(::spector::RecordAction::name(*self))
            }
        }
    }
}

/// The `Evented` impl.
fn evented_impl(valid: &Valid) -> TokenStream {
    let record = valid.record;
    let ident = record.ident;
    let name = ident.to_string();
    let action = record.action_ident();
    let log = valid.log;
    let version = Literal::u32_unsuffixed(record.attrs.version.unwrap_or(0));
    let links = record.attrs.links.iter().map(|link| {
        let name = link.name();
        let column = &link.column;
        let table = match &link.table {
            Some(table) => quote!(::core::option::Option::Some(#table)),
            None => quote!(::core::option::Option::None),
        };
        quote! {
            ::spector::LinkDecl { name: #name, column: #column, table: #table }
        }
    });
    // Spanned on the log path, so "not one of the schemas of event log"
    // points at `log = ...`.
    let schema_index = quote_spanned! {log.span()=>
        <Self as ::spector::LogMember<#log>>::SCHEMA_INDEX
    };
    // `..Default::default()` is only written when there are other fields,
    // so a struct with just `id` does not get a needless struct update.
    let fresh = if record.fields.len() > 1 {
        quote_spanned! {ident.span()=>
            Self { id, ..::core::default::Default::default() }
        }
    } else {
        quote!(Self { id })
    };
    quote! {
        #[automatically_derived]
        impl ::spector::Evented for #ident {
            type Action = #action;
            type Log = #log;
            const NAME: &'static str = #name;
            const SCHEMA_INDEX: i32 = #schema_index;
            const VERSION: u32 = #version;
            const LINKS: &'static [::spector::LinkDecl] = &[#(#links),*];

            fn id(&self) -> ::spector::Uuid {
                self.id
            }

            fn fresh(id: ::spector::Uuid) -> Self {
                #fresh
            }
        }
    }
}
