//! Code generation for `#[derive(Evented)]`: the action and link enums and
//! the `Evented` impl, written against the public API of `spector` only.
//!
//! When a rule was broken, the same items are generated with bodies that
//! cannot run (thiserror's fallback): code that names the action enum or
//! implements `Changeset` still type-checks, so the user sees only the
//! real error.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::ast::Field;
use crate::attr::FieldStorage;
use crate::valid::{Valid, ValidAction};

/// Whether the record type broke a rule.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every rule passed: the real code.
    Complete,
    /// A rule was broken: the same items, with bodies that never run.
    Fallback,
}

/// The action enum, the link enum and the `Evented` impl; nothing for a
/// generic record type, which is refused and cannot be named without its
/// parameters.
pub fn derive(valid: &Valid, mode: Mode) -> TokenStream {
    if !valid.record.generics.params.is_empty() {
        return TokenStream::new();
    }
    let actions = action_enum(valid, mode);
    let links = link_enum(valid);
    let evented = evented_impl(valid, mode);
    quote! {
        #actions
        #links
        #evented
    }
}

/// The payload type of `action`: the declared one, or `Attrs`.
fn payload_type(action: &ValidAction) -> TokenStream {
    match action.payload {
        Some(ty) => quote!(#ty),
        None => quote!(::spector::Attrs),
    }
}

/// The action enum and its `RecordAction` impl.
fn action_enum(valid: &Valid, mode: Mode) -> TokenStream {
    let record = valid.record;
    let record_ident = record.ident;
    let vis = record.vis;
    let ident = record.action_ident();
    let doc = format!(
        " The actions of [`{record_ident}`], each carrying its payload: what \
         `Changeset::changeset` applies."
    );
    let variants: Vec<_> = valid.actions.iter().map(|a| &a.variant).collect();
    let payloads: Vec<_> = valid.actions.iter().map(payload_type).collect();
    let docs = valid
        .actions
        .iter()
        .map(|action| format!(" `{}`, stored under code {}.", action.name, action.code));
    let insert = payload_type(&valid.actions.insert);
    let updatable = valid.actions.update.as_ref().map(|update| {
        let payload = payload_type(update);
        quote! {
            #[automatically_derived]
            impl ::spector::action::Updatable for #ident {
                type UpdatePayload = #payload;

                fn update(payload: #payload) -> Self {
                    #ident::Update(payload)
                }
            }
        }
    });
    let body = match mode {
        Mode::Complete => action_methods(valid),
        Mode::Fallback => unreachable_action_methods(),
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #vis enum #ident {
            #(
                #[doc = #docs]
                #variants(#payloads),
            )*
        }

        #[automatically_derived]
        impl ::spector::RecordAction for #ident {
            type Record = #record_ident;
            type InsertPayload = #insert;

            fn insert(payload: #insert) -> Self {
                #ident::Insert(payload)
            }

            #body
        }

        #updatable
    }
}

/// `NAMES`, `name`, `code`, `encode` and `decode` of a valid record type.
fn action_methods(valid: &Valid) -> TokenStream {
    // The enum is named, not `Self`: `Self::Insert` would also name the
    // trait's associated types.
    let ident = valid.record.action_ident();
    let variants: Vec<_> = valid.actions.iter().map(|a| &a.variant).collect();
    let names: Vec<_> = valid.actions.iter().map(|a| &a.name).collect();
    let codes: Vec<_> = valid
        .actions
        .iter()
        .map(|a| Literal::i32_unsuffixed(a.code))
        .collect();
    let all_names = valid.actions.iter().flat_map(|action| {
        let code = Literal::i32_unsuffixed(action.code);
        std::iter::once(&action.name)
            .chain(&action.alias)
            .map(move |name| quote!(::spector::action::ActionName { name: #name, code: #code }))
    });
    // Each payload's trait check is spanned on its type, so a payload that
    // is not serde is reported there.
    let encodes = valid.actions.iter().map(|action| {
        let variant = &action.variant;
        let name = &action.name;
        let ty = payload_type(action);
        quote_spanned! {ty.span()=>
            #ident::#variant(payload) => {
                <#ty as ::spector::__private::Payload>::encode(payload, #name)
            }
        }
    });
    let decodes = valid.actions.iter().map(|action| {
        let variant = &action.variant;
        let code = Literal::i32_unsuffixed(action.code);
        let ty = payload_type(action);
        quote_spanned! {ty.span()=>
            #code => <#ty as ::spector::__private::Payload>::decode(payload).map(#ident::#variant),
        }
    });
    quote! {
        const NAMES: &'static [::spector::action::ActionName] = &[#(#all_names),*];

        fn name(&self) -> &'static str {
            match self {
                #(#ident::#variants(_) => #names,)*
            }
        }

        fn code(&self) -> i32 {
            match self {
                #(#ident::#variants(_) => #codes,)*
            }
        }

        fn encode(&self) -> ::core::result::Result<::spector::Attrs, ::spector::Invalid> {
            match self {
                #(#encodes)*
            }
        }

        fn decode(
            code: i32,
            payload: ::spector::Attrs,
        ) -> ::core::result::Result<::core::option::Option<Self>, ::spector::Invalid> {
            let action = match code {
                #(#decodes)*
                _ => return ::core::result::Result::Ok(::core::option::Option::None),
            };
            action.map(::core::option::Option::Some)
        }
    }
}

/// The same methods for a record type that broke a rule: never called.
fn unreachable_action_methods() -> TokenStream {
    quote! {
        const NAMES: &'static [::spector::action::ActionName] = &[];

        fn name(&self) -> &'static str {
            ::core::unreachable!()
        }

        fn code(&self) -> i32 {
            ::core::unreachable!()
        }

        fn encode(&self) -> ::core::result::Result<::spector::Attrs, ::spector::Invalid> {
            ::core::unreachable!()
        }

        fn decode(
            _code: i32,
            _payload: ::spector::Attrs,
        ) -> ::core::result::Result<::core::option::Option<Self>, ::spector::Invalid> {
            ::core::unreachable!()
        }
    }
}

/// The link enum and its `RecordLink` impl.
fn link_enum(valid: &Valid) -> TokenStream {
    let record = valid.record;
    let record_ident = record.ident;
    let vis = record.vis;
    let ident = record.link_ident();
    let doc = format!(" The links that events of [`{record_ident}`] may carry.");
    let variants: Vec<_> = valid.links.iter().map(|l| &l.variant).collect();
    let names: Vec<_> = valid.links.iter().map(|l| &l.name).collect();
    let docs = valid.links.iter().map(|link| {
        format!(
            " `{}`: points to the linked event through `{}`.",
            link.name, link.column
        )
    });
    let mut kinds: Vec<&syn::Type> = Vec::new();
    for kind in valid.links.iter().filter_map(|link| link.kind) {
        let text = quote!(#kind).to_string();
        if !kinds.iter().any(|seen| quote!(#seen).to_string() == text) {
            kinds.push(kind);
        }
    }
    let typed = kinds.iter().map(|kind| {
        quote_spanned! {kind.span()=>
            #[automatically_derived]
            impl ::spector::TypedLink<#kind> for #ident {}
        }
    });
    quote! {
        #(#typed)*

        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #vis enum #ident {
            #(
                #[doc = #docs]
                #variants,
            )*
        }

        #[automatically_derived]
        impl ::spector::RecordLink for #ident {
            type Record = #record_ident;

            fn name(self) -> &'static str {
                match self {
                    #(Self::#variants => #names,)*
                }
            }
        }
    }
}

/// The `Evented` impl.
fn evented_impl(valid: &Valid, mode: Mode) -> TokenStream {
    let record = valid.record;
    let ident = record.ident;
    let name = ident.to_string();
    let action = record.action_ident();
    let link = record.link_ident();
    let version = Literal::u32_unsuffixed(record.options.version.unwrap_or(0));
    let links = valid.links.iter().map(|link| {
        let name = &link.name;
        let column = &link.column;
        let table = match link.table {
            Some(table) => quote!(::core::option::Option::Some(#table)),
            None => quote!(::core::option::Option::None),
        };
        let constrained = link.constrained;
        let typed = link.kind.is_some();
        let kinds = match &link.kind {
            Some(kind) => quote!(<#kind as ::spector::LinkKind>::CODES),
            None => quote!(&[]),
        };
        quote! {
            ::spector::__private::LinkDecl {
                name: #name,
                column: #column,
                table: #table,
                constrained: #constrained,
                typed: #typed,
                kinds: #kinds,
            }
        }
    });
    let (log, schema_index, methods, writes_to) = match (mode, valid.log, valid.id) {
        (Mode::Complete, Some(log), Some(id)) => {
            // Spanned on the log path, so "not one of the schemas of event
            // log" points at `log = ...`.
            let schema_index = quote_spanned! {log.span()=>
                <Self as ::spector::LogMember<#log>>::SCHEMA_INDEX
            };
            let writes_to = quote! {
                #[automatically_derived]
                impl ::spector::__private::WritesTo<#log> for #ident {}
            };
            (quote!(#log), schema_index, id_methods(valid, id), writes_to)
        }
        (_, log, _) => {
            let log = log.map_or_else(|| quote!(::spector::__private::NoLog), |log| quote!(#log));
            // Any log may list a record type that broke a rule: the rule is
            // the one error.
            let writes_to = quote! {
                #[automatically_derived]
                impl<L> ::spector::__private::WritesTo<L> for #ident {}
            };
            (log, quote!(0), unreachable_id_methods(), writes_to)
        }
    };
    let (savepoint_hooks, savepoint_impl) = savepoints(valid, mode);
    let (materialized_const, materialized_impl) = materialized(valid, mode);
    quote! {
        #[automatically_derived]
        impl ::spector::Evented for #ident {
            type Action = #action;
            type Link = #link;
            type Log = #log;
            const NAME: &'static str = #name;
            const SCHEMA_INDEX: i32 = #schema_index;
            const VERSION: u32 = #version;
            const LINKS: &'static [::spector::__private::LinkDecl] = &[#(#links),*];
            #savepoint_hooks
            #materialized_const

            #methods
        }

        #writes_to
        #savepoint_impl
        #materialized_impl
    }
}

/// `Evented::MATERIALIZED` and the `Materialized` marker for a type with
/// `table = "..."`: a column per field (the id first) of its type's kind,
/// the compiler checking each type on the field; nothing for other types.
fn materialized(valid: &Valid, mode: Mode) -> (TokenStream, TokenStream) {
    let (Mode::Complete, Some(table)) = (mode, &valid.table) else {
        return (TokenStream::new(), TokenStream::new());
    };
    let ident = valid.record.ident;
    let name = &table.name;
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for field in &table.columns {
        let member = field.ident;
        let column = field.ident.unraw().to_string();
        let ty = field.ty;
        if field.storage == FieldStorage::Json {
            let nullable = is_option(ty);
            columns.push(quote! { ::spector::__private::ColumnDecl::json(#column, #nullable) });
            values.push(quote! { ::spector::Value::json(#column, &record.#member)? });
        } else {
            // Through `FieldColumn`, spanned on the type: a type without a
            // column kind is one error on the field, saying how to give it one.
            columns.push(quote_spanned! {ty.span()=>
                ::spector::__private::ColumnDecl {
                    name: #column,
                    ty: <#ty as ::spector::__private::FieldColumn>::TYPE,
                    nullable: <#ty as ::spector::__private::FieldColumn>::NULLABLE,
                }
            });
            values.push(quote_spanned! {ty.span()=>
                <#ty as ::spector::__private::FieldColumn>::to_value(&record.#member)
            });
        }
    }
    let hooks = quote! {
        const MATERIALIZED: ::core::option::Option<::spector::Materialization<Self>> =
            ::core::option::Option::Some(::spector::Materialization::new(
                ::spector::__private::TableDecl {
                    name: #name,
                    columns: &[#(#columns),*],
                },
                |record: &Self| {
                    ::core::result::Result::Ok(::std::vec![#(#values),*])
                },
            ));
    };
    let marker = quote! {
        #[automatically_derived]
        impl ::spector::Materialized for #ident {}
    };
    (hooks, marker)
}

/// True for a type written `Option<...>` (its JSON column may be empty).
fn is_option(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(path) => path
            .path
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "Option"),
        _ => false,
    }
}

/// `Evented::SAVEPOINTS` and, for `savepoints` without `custom`, the
/// serde `Savepoint` impl; nothing for a type without savepoints.
fn savepoints(valid: &Valid, mode: Mode) -> (TokenStream, TokenStream) {
    let options = &valid.record.options;
    let every = options.savepoint_every.as_ref();
    let key = match (&options.savepoints, every) {
        (Some(savepoints), _) => &savepoints.key,
        (None, Some((key, _))) => key,
        (None, None) => return (TokenStream::new(), TokenStream::new()),
    };
    let interval = every.map(|(_, every)| {
        let every = Literal::u32_unsuffixed(*every);
        quote!(.every(#every))
    });
    // Spanned on the keyword, so that a missing `Savepoint` impl is
    // reported on `savepoints(custom)`.
    let of = quote_spanned! {key.span()=> ::spector::SavepointHooks::<Self>::of() };
    let hooks = quote! {
        const SAVEPOINTS: ::core::option::Option<::spector::SavepointHooks<Self>> =
            ::core::option::Option::Some(#of #interval);
    };
    if options.savepoints.as_ref().is_some_and(|s| s.custom) {
        return (hooks, TokenStream::new());
    }
    let ident = valid.record.ident;
    let (save, restore) = match mode {
        Mode::Complete => (
            quote_spanned!(key.span()=> <Self as ::spector::__private::SerdeState>::save(self)),
            quote_spanned!(key.span()=> <Self as ::spector::__private::SerdeState>::restore(payload)),
        ),
        Mode::Fallback => (
            quote!(::core::unreachable!()),
            quote!(::core::unreachable!()),
        ),
    };
    let savepoint = quote! {
        #[automatically_derived]
        impl ::spector::Savepoint for #ident {
            fn save(&self) -> ::core::result::Result<::spector::Attrs, ::spector::Invalid> {
                #save
            }

            fn restore(
                _id: ::spector::Id<Self>,
                payload: ::spector::Attrs,
                _meta: &::spector::EventMeta,
            ) -> ::core::result::Result<Self, ::spector::Invalid> {
                #restore
            }
        }
    };
    (hooks, savepoint)
}

/// `id` and `fresh`, through the id field's type (`Uuid` or `Id<Self>`);
/// the compiler checks that type, with the error on it.
fn id_methods(valid: &Valid, id: &Field) -> TokenStream {
    let ty = id.ty;
    let member = id.ident;
    let field = quote_spanned! {ty.span()=> ::spector::__private::RecordIdField<Self> };
    // `..Default::default()` is only written when there are other fields,
    // so a struct with just `id` does not get a needless struct update.
    let rest = (valid.record.fields.len() > 1).then(|| {
        quote_spanned! {valid.record.ident.span()=> ..::core::default::Default::default() }
    });
    quote! {
        fn id(&self) -> ::spector::Id<Self> {
            <#ty as #field>::to_id(&self.#member)
        }

        fn fresh(id: ::spector::Id<Self>) -> Self {
            Self { #member: <#ty as #field>::from_id(id), #rest }
        }
    }
}

/// The same methods for a record type that broke a rule: never called.
fn unreachable_id_methods() -> TokenStream {
    quote! {
        fn id(&self) -> ::spector::Id<Self> {
            ::core::unreachable!()
        }

        fn fresh(_id: ::spector::Id<Self>) -> Self {
            ::core::unreachable!()
        }
    }
}
