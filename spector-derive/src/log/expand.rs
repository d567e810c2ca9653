//! Code generation for `event_log!`: the log type, its `EventLog` impl and
//! one `LogMember` impl per record type.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::valid::ValidLog;

/// The log type and its impls.
pub fn event_log(log: &ValidLog) -> TokenStream {
    let attrs = log.attrs;
    let vis = log.vis;
    let ident = log.ident;
    let table = &log.table;
    let hashed = log.hashed;
    let has_docs = attrs.iter().any(|attr| attr.path().is_ident("doc"));
    let doc = (!has_docs).then(|| {
        let doc = format!(" The event log `{table}`.");
        quote!(#[doc = #doc])
    });
    let entries = log.schemas.iter().map(|(path, index)| {
        let index = Literal::i32_unsuffixed(*index);
        // Spanned on the record type, so a type that declares another log is
        // reported there.
        quote_spanned! {path.span()=> ::spector::__private::SchemaSpec::of::<#path, #ident>(#index) }
    });
    let members = log.schemas.iter().map(|(path, index)| {
        let index = Literal::i32_unsuffixed(*index);
        quote! {
            #[automatically_derived]
            impl ::spector::LogMember<#ident> for #path {
                const SCHEMA_INDEX: i32 = #index;
            }
        }
    });
    quote! {
        #(#attrs)*
        #doc
        #[derive(Debug, Clone, Copy, Default)]
        #vis struct #ident;

        #[automatically_derived]
        impl ::spector::EventLog for #ident {
            fn spec() -> ::spector::Result<&'static ::spector::backend::LogSpec> {
                static SPEC: ::spector::__private::LogCell = ::spector::__private::LogCell::new();
                SPEC.get_or_init(::core::stringify!(#ident), #table, #hashed, || ::std::vec![#(#entries),*])
            }
        }

        #(#members)*
    }
}
