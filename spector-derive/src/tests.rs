//! Expansion tests: what the macros generate for valid input, and that
//! every misuse of one invocation is reported together.

use spector_core::action::custom_action_code;
use syn::{parse_quote, DeriveInput};

use super::{evented, log};

/// The expansion of `input` without spaces, or the error messages.
fn derive(input: DeriveInput) -> Result<String, Vec<String>> {
    evented(&input)
        .map(|tokens| tokens.to_string().replace(' ', ""))
        .map_err(|error| error.into_iter().map(|e| e.to_string()).collect())
}

/// The expansion of an `event_log!` body without spaces, or the error messages.
fn declare(tokens: proc_macro2::TokenStream) -> Result<String, Vec<String>> {
    log::event_log(tokens)
        .map(|tokens| tokens.to_string().replace(' ', ""))
        .map_err(|error| error.into_iter().map(|e| e.to_string()).collect())
}

#[test]
fn custom_actions_get_camel_case_variants_and_their_codes() {
    let expanded = derive(parse_quote! {
        #[evented(log = ChatEvents, actions(edit, soft_delete = 17))]
        pub struct Chat { id: Uuid, messages: Vec<String> }
    });
    let edit = custom_action_code("edit");
    let expanded = expanded.unwrap_or_default();
    assert!(expanded.contains("pubenumChatAction{"));
    assert!(expanded.contains(&format!("Self::Edit=>{edit},")));
    assert!(expanded.contains("Self::SoftDelete=>17,"));
    assert!(expanded.contains("Self::SoftDelete=>\"soft_delete\","));
    assert!(expanded.contains("Self::Insert=>::spector::action::INSERT,"));
}

#[test]
fn links_and_version_reach_the_evented_impl() {
    let expanded = derive(parse_quote! {
        #[evented(log = ChatEvents, version = 2)]
        #[evented(links(edits = "previous_id", parents(column = "parent_id", table = "chat_parents")))]
        struct Chat { id: spector::Uuid, title: String }
    })
    .unwrap_or_default();
    assert!(expanded.contains("constVERSION:u32=2;"));
    assert!(expanded.contains(
        "::spector::LinkDecl{name:\"edits\",column:\"previous_id\",table:::core::option::Option::None}"
    ));
    assert!(expanded.contains("table:::core::option::Option::Some(\"chat_parents\")"));
    assert!(expanded.contains("<Selfas::spector::LogMember<ChatEvents>>::SCHEMA_INDEX"));
}

#[test]
fn a_record_with_only_an_id_is_fresh_without_struct_update() {
    let expanded = derive(parse_quote! {
        #[evented(log = ChatEvents)]
        struct Ping { id: Uuid }
    })
    .unwrap_or_default();
    assert!(expanded.contains("fnfresh(id:::spector::Uuid)->Self{Self{id}}"));
}

#[test]
fn every_misuse_of_one_struct_is_reported() {
    let errors = derive(parse_quote! {
        #[evented(actions(insert, edit, edit, archive = 3), links(edits), colour = "red")]
        struct Chat<T> { id: String, t: T }
    })
    .err()
    .unwrap_or_default();
    assert_eq!(errors.len(), 8, "{errors:#?}");
}

#[test]
fn schema_indexes_count_on_from_the_previous_one() {
    let expanded = declare(quote::quote! {
        pub ChatEvents { table: "chat_events", schemas: [Chat, Comment = 10, Reaction], }
    })
    .unwrap_or_default();
    assert!(expanded.contains("::spector::SchemaSpec::of::<Chat>(0)"));
    assert!(expanded
        .contains("impl::spector::LogMember<ChatEvents>forComment{constSCHEMA_INDEX:i32=10;}"));
    assert!(expanded
        .contains("impl::spector::LogMember<ChatEvents>forReaction{constSCHEMA_INDEX:i32=11;}"));
    assert!(expanded.contains("#[doc=\"Theeventlog`chat_events`.\"]"));
}

#[test]
fn user_docs_replace_the_default_doc_of_a_log() {
    let expanded = declare(quote::quote! {
        /// Chats.
        ChatEvents { schemas: [Chat], table: "chat_events" }
    })
    .unwrap_or_default();
    assert!(expanded.contains("#[doc=r\"Chats.\"]"), "{expanded}");
    assert!(!expanded.contains("Theeventlog"));
}

#[test]
fn every_misuse_of_one_log_is_reported() {
    let errors = declare(quote::quote! {
        ChatEvents { table: "chat events", schemas: [Chat = 3, Comment = 2, Chat], shards: 4 }
    })
    .err()
    .unwrap_or_default();
    assert_eq!(errors.len(), 4, "{errors:#?}");
}
