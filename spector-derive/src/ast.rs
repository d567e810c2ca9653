//! The input of `#[derive(Evented)]` turned into the macro's own model.

use quote::format_ident;
use syn::{Data, DeriveInput, Fields, Generics, Ident, Type, Visibility};

use crate::attr::{self, EventedOptions, FieldStorage};
use crate::ctxt::Ctxt;

/// A record type: a struct with named fields and its `#[evented(...)]` options.
pub struct Record<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// The struct's visibility, given to the generated action enum too.
    pub vis: &'a Visibility,
    /// The struct's generics (a record type may have none; see `valid.rs`).
    pub generics: &'a Generics,
    /// The named fields.
    pub fields: Vec<Field<'a>>,
    /// What the `#[evented(...)]` attributes say.
    pub options: EventedOptions,
    /// The type is not a struct with named fields (already reported).
    pub shape_refused: bool,
}

/// One named field of a record type.
pub struct Field<'a> {
    /// The field's name.
    pub ident: &'a Ident,
    /// The field's type.
    pub ty: &'a Type,
    /// How it is stored in a materialized table.
    pub storage: FieldStorage,
    /// The `#[evented(json)]` or `#[evented(skip)]` that set it.
    pub storage_attr: Option<&'a syn::Attribute>,
}

impl<'a> Record<'a> {
    /// The model of `input`. Problems are reported to `cx`; a type that is
    /// not a struct with named fields gets a model without fields, for the
    /// fallback expansion.
    pub fn from_syn(cx: &Ctxt, input: &'a DeriveInput) -> Self {
        let options = attr::parse(cx, &input.attrs);
        let mut shape_refused = true;
        let fields = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => {
                    shape_refused = false;
                    named
                        .named
                        .iter()
                        .filter_map(|field| {
                            let (storage, storage_attr) = attr::parse_field(cx, &field.attrs);
                            Some(Field {
                                ident: field.ident.as_ref()?,
                                ty: &field.ty,
                                storage,
                                storage_attr,
                            })
                        })
                        .collect()
                }
                Fields::Unnamed(unnamed) => {
                    cx.error_spanned_by(unnamed, NAMED_FIELDS);
                    Vec::new()
                }
                Fields::Unit => {
                    cx.error_spanned_by(&input.ident, NAMED_FIELDS);
                    Vec::new()
                }
            },
            Data::Enum(data) => {
                cx.error_spanned_by(data.enum_token, ONLY_STRUCTS);
                Vec::new()
            }
            Data::Union(data) => {
                cx.error_spanned_by(data.union_token, ONLY_STRUCTS);
                Vec::new()
            }
        };
        Self {
            ident: &input.ident,
            vis: &input.vis,
            generics: &input.generics,
            fields,
            options,
            shape_refused,
        }
    }

    /// The field called `name`, if any.
    pub fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields.iter().find(|field| *field.ident == name)
    }

    /// The generated action enum's name: `BasicChat` → `BasicChatAction`.
    pub fn action_ident(&self) -> Ident {
        format_ident!("{}Action", self.ident)
    }

    /// The generated link enum's name: `BasicChat` → `BasicChatLink`.
    pub fn link_ident(&self) -> Ident {
        format_ident!("{}Link", self.ident)
    }
}

/// The message for a tuple or unit struct.
const NAMED_FIELDS: &str =
    "`#[derive(Evented)]` needs a struct with named fields, like `struct Chat { id: Id<Chat>, .. }`";

/// The message for an enum or a union.
const ONLY_STRUCTS: &str =
    "`#[derive(Evented)]` only supports structs: a record type is a struct with an `id` field";
