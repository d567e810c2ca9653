//! Expansion tests: what the macros generate for valid input, and that
//! every misuse of one invocation is reported together.

use spector_core::action::custom_action_code;
use syn::{parse_quote, DeriveInput};

use super::{evented, log};

/// The messages of the `compile_error!`s an expansion starts with.
fn compile_errors(expanded: &proc_macro2::TokenStream) -> Vec<String> {
    let file: syn::File = syn::parse2(expanded.clone()).unwrap_or_else(|error| {
        panic!("the expansion does not parse as items ({error}): {expanded}")
    });
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Macro(item) if item.mac.path.is_ident("compile_error") => Some(&item.mac),
            syn::Item::Macro(item)
                if item
                    .mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|segment| segment.ident == "compile_error") =>
            {
                Some(&item.mac)
            }
            _ => None,
        })
        .map(|mac| {
            mac.parse_body::<syn::LitStr>()
                .map(|message| message.value())
                .unwrap_or_else(|error| panic!("compile_error! without a message: {error}"))
        })
        .collect()
}

/// The expansion of `input` without spaces, or the error messages it
/// carries (with the fallback expansion, which is not returned).
fn derive(input: DeriveInput) -> Result<String, Vec<String>> {
    let expanded = evented(&input);
    let errors = compile_errors(&expanded);
    if errors.is_empty() {
        Ok(expanded.to_string().replace(' ', ""))
    } else {
        Err(errors)
    }
}

/// The expansion of an `event_log!` body without spaces, or the error messages.
fn declare(tokens: proc_macro2::TokenStream) -> Result<String, Vec<String>> {
    log::event_log(tokens)
        .map(|tokens| tokens.to_string().replace(' ', ""))
        .map_err(|error| error.into_iter().map(|e| e.to_string()).collect())
}

#[test]
fn custom_actions_get_camel_case_variants_carrying_payloads_and_their_codes() {
    let expanded = derive(parse_quote! {
        #[evented(log = ChatEvents, actions(update = NewMessage, edit, soft_delete = 17))]
        pub struct Chat { id: Uuid, messages: Vec<String> }
    });
    let edit = custom_action_code("edit");
    let expanded = expanded.unwrap_or_default();
    assert!(expanded.contains("pubenumChatAction{"), "{expanded}");
    assert!(expanded.contains("Insert(::spector::Attrs),"));
    assert!(expanded.contains("Update(NewMessage),"));
    assert!(expanded.contains("Edit(::spector::Attrs),"));
    assert!(expanded.contains("typeUpdatePayload=NewMessage;"));
    assert!(expanded.contains(&format!("ChatAction::Edit(_)=>{edit},")));
    assert!(expanded.contains("ChatAction::SoftDelete(_)=>17,"));
    assert!(expanded.contains("ChatAction::SoftDelete(_)=>\"soft_delete\","));
    assert!(expanded.contains("ChatAction::Insert(_)=>1,"));
    assert!(expanded.contains("ChatAction::Update(_)=>2,"));
    assert!(expanded.contains(&format!(
        "{edit}=><::spector::Attrsas::spector::__private::Payload>::decode(payload).map(ChatAction::Edit),"
    )));
    // No delete or savepoint among the names: neither is an action to execute.
    assert!(expanded.contains(&format!(
        "constNAMES:&'static[::spector::action::ActionName]=&[\
         ::spector::action::ActionName{{name:\"insert\",code:1}},\
         ::spector::action::ActionName{{name:\"update\",code:2}},\
         ::spector::action::ActionName{{name:\"edit\",code:{edit}}},\
         ::spector::action::ActionName{{name:\"soft_delete\",code:17}}];"
    )));
}

#[test]
fn an_alias_answers_with_the_former_name_and_keeps_its_code() {
    let expanded = derive(parse_quote! {
        #[evented(log = ChatEvents, actions(soft_delete(alias = archive)))]
        pub struct Chat { id: Uuid }
    })
    .unwrap_or_default();
    let archive = custom_action_code("archive");
    assert!(expanded.contains(&format!(
        "::spector::action::ActionName{{name:\"soft_delete\",code:{archive}}},\
         ::spector::action::ActionName{{name:\"archive\",code:{archive}}}"
    )));
    assert!(expanded.contains(&format!("ChatAction::SoftDelete(_)=>{archive},")));
    assert!(expanded.contains("ChatAction::SoftDelete(_)=>\"soft_delete\","));
}

#[test]
fn a_typed_link_implements_typed_link_once_per_kind_type() {
    let expanded = derive(parse_quote! {
        #[evented(log = DocEvents, links(relates(kind = Relation), cites(kind = Relation, unconstrained), edits))]
        struct Doc { id: spector::Uuid }
    })
    .unwrap_or_default();
    assert_eq!(
        expanded
            .matches("impl::spector::TypedLink<Relation>forDocLink{}")
            .count(),
        1
    );
    assert!(expanded.contains("name:\"relates\",column:\"relates_id\",table:::core::option::Option::None,constrained:true,typed:true,"));
    assert!(expanded.contains("name:\"cites\",column:\"cites_id\",table:::core::option::Option::None,constrained:false,typed:true,"));
    assert!(expanded.contains("name:\"edits\",column:\"edits_id\",table:::core::option::Option::None,constrained:true,typed:false,"));
}

#[test]
fn links_and_version_reach_the_evented_impl() {
    let expanded = derive(parse_quote! {
        #[evented(log = ChatEvents, version = 2)]
        #[evented(links(edits = "previous_id", mentions, parents(column = "parent_id", table = "chat_parents")))]
        struct Chat { id: spector::Uuid, title: String }
    })
    .unwrap_or_default();
    assert!(expanded.contains("constVERSION:u32=2;"));
    assert!(expanded.contains(
        "::spector::__private::LinkDecl{name:\"edits\",column:\"previous_id\",table:::core::option::Option::None,constrained:true,typed:false,kinds:&[],}"
    ));
    assert!(expanded.contains(
        "::spector::__private::LinkDecl{name:\"mentions\",column:\"mentions_id\",table:::core::option::Option::None,constrained:true,typed:false,kinds:&[],}"
    ));
    assert!(expanded.contains("table:::core::option::Option::Some(\"chat_parents\")"));
    assert!(expanded.contains("<Selfas::spector::LogMember<ChatEvents>>::SCHEMA_INDEX"));
    assert!(expanded.contains("enumChatLink{"));
    assert!(expanded.contains(
        "Self::Edits=>\"edits\",Self::Mentions=>\"mentions\",Self::Parents=>\"parents\","
    ));
}

#[test]
fn a_record_with_only_an_id_is_fresh_without_struct_update() {
    let expanded = derive(parse_quote! {
        #[evented(log = ChatEvents)]
        struct Ping { id: Uuid }
    })
    .unwrap_or_default();
    assert!(expanded.contains(
        "fnfresh(id:::spector::Id<Self>)->Self{Self{id:<Uuidas::spector::__private::RecordIdField<Self>>::from_id(id),}}"
    ), "{expanded}");
    assert!(!expanded.contains("..::core::default::Default::default()"));
}

#[test]
fn every_misuse_of_one_struct_is_reported() {
    let errors = derive(parse_quote! {
        #[evented(actions(insert = 5, edit, edit, archive = 3), links(edits, edits), colour = "red")]
        struct Chat<T> { title: String, t: T }
    })
    .err()
    .unwrap_or_default();
    let expected = [
        "unknown evented option `colour`",
        "does not support generic record types",
        "missing `#[evented(log = ...)]`",
        "`Chat` has no `id` field",
        "the built-in action `insert` keeps its code",
        "duplicate action `edit`",
        "action code 3 is reserved",
        "duplicate link `edits`",
    ];
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    for (error, expected) in errors.iter().zip(expected) {
        assert!(
            error.contains(expected),
            "{error:?} should say {expected:?}"
        );
    }
}

#[test]
fn a_misused_record_type_still_declares_its_enums_and_impl() {
    let expanded = evented(&parse_quote! {
        #[evented(log = ChatEvents, actions(edit = 3))]
        pub struct Chat { id: Uuid }
    });
    assert_eq!(
        compile_errors(&expanded),
        [
            "action code 3 is reserved: codes 1 to 4 are the built-in actions' \
          (insert, update, delete, savepoint)"
        ]
    );
    let expanded = expanded.to_string().replace(' ', "");
    assert!(expanded.contains("pubenumChatAction{"), "{expanded}");
    assert!(expanded.contains("pubenumChatLink{"));
    assert!(expanded.contains("impl::spector::EventedforChat{"));
    assert!(expanded.contains("fncode(&self)->i32{::core::unreachable!()}"));
}

#[test]
fn schema_indexes_count_on_from_the_previous_one() {
    let expanded = declare(quote::quote! {
        pub ChatEvents { table: "chat_events", schemas: [Chat, Comment = 10, Reaction], }
    })
    .unwrap_or_default();
    assert!(expanded.contains("::spector::__private::SchemaSpec::of::<Chat,ChatEvents>(0)"));
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

#[test]
fn only_a_type_that_declares_update_has_it() {
    let without = derive(parse_quote! {
        #[evented(log = ChatEvents, actions(edit))]
        pub struct Chat { id: Uuid }
    })
    .unwrap_or_default();
    assert!(without.contains("pubenumChatAction{"), "{without}");
    assert!(!without.contains("Update"), "{without}");
    assert!(!without.contains("name:\"update\""), "{without}");

    let with = derive(parse_quote! {
        #[evented(log = ChatEvents, actions(update))]
        pub struct Chat { id: Uuid }
    })
    .unwrap_or_default();
    assert!(with.contains("Update(::spector::Attrs),"), "{with}");
    assert!(with.contains(
        "impl::spector::action::UpdatableforChatAction{typeUpdatePayload=::spector::Attrs;\
         fnupdate(payload:::spector::Attrs)->Self{ChatAction::Update(payload)}}"
    ));
    assert!(with.contains("name:\"update\",code:2"));
}

#[test]
fn a_misspelt_option_is_one_error_and_still_declares_what_it_says() {
    let expanded = evented(&parse_quote! {
        #[evented(log = TaskEvents, action(insert = Open, assign = Assign))]
        pub struct Task { id: Uuid }
    });
    assert_eq!(
        compile_errors(&expanded),
        ["unknown evented option `action`: did you mean `actions`?"]
    );
    let expanded = expanded.to_string().replace(' ', "");
    assert!(expanded.contains("Insert(Open),"), "{expanded}");
    assert!(expanded.contains("Assign(Assign),"));
    assert!(expanded.contains("typeInsertPayload=Open;"));
}

#[test]
fn a_misspelt_option_of_an_action_a_link_or_savepoints_says_which_was_meant() {
    let errors = derive(parse_quote! {
        #[evented(
            log = ChatEvents,
            actions(edit(paylod = EditMessage)),
            links(edits(colum = "previous_id")),
            savepoints(custm),
            colour = "red",
        )]
        pub struct Chat { id: Uuid, #[evented(jsno)] title: String }
    })
    .err()
    .unwrap_or_default();
    assert_eq!(
        errors,
        [
            "unknown option `paylod` of action `edit`: did you mean `payload`?",
            "unknown option `colum` of link `edits`: did you mean `column`?",
            "unknown option `custm` of `savepoints`: did you mean `custom`?",
            "unknown evented option `colour`, expected one of `log`, `actions`, `links`, \
             `version`, `savepoints`, `savepoint_every`, `table`, `id`",
            "unknown field option `jsno`: did you mean `json`?",
        ]
    );
}

#[test]
fn a_misspelt_built_in_is_one_error_and_taken_for_the_built_in() {
    let expanded = evented(&parse_quote! {
        #[evented(log = TaskEvents, actions(insret = Open, updaet))]
        pub struct Task { id: Uuid }
    });
    assert_eq!(
        compile_errors(&expanded),
        [
            "unknown action `insret`: did you mean the built-in `insert`? \
             (to name a custom action `insret`, write `r#insret`)",
            "unknown action `updaet`: did you mean the built-in `update`? \
             (to name a custom action `updaet`, write `r#updaet`)",
        ]
    );
    let expanded = expanded.to_string().replace(' ', "");
    assert!(expanded.contains("typeInsertPayload=Open;"), "{expanded}");
    assert!(expanded.contains("impl::spector::action::UpdatableforTaskAction"));
    assert!(!expanded.contains("Insret"));

    // Written raw, the name is a custom action's.
    let custom = derive(parse_quote! {
        #[evented(log = TaskEvents, actions(r#updates))]
        pub struct Task { id: Uuid }
    })
    .unwrap_or_default();
    assert!(custom.contains("Updates(::spector::Attrs),"), "{custom}");
    assert!(custom.contains("name:\"updates\""));
    assert!(!custom.contains("Updatable"));
}

#[test]
fn a_payload_type_that_is_never_an_object_is_refused_on_it() {
    let errors = derive(parse_quote! {
        #[evented(log = NoteEvents, actions(insert = String, note = Vec<Note>, edit = Edit))]
        pub struct Notes { id: Uuid }
    })
    .err()
    .unwrap_or_default();
    assert_eq!(
        errors,
        [
            "the payload of `insert` serializes to a string, not to the JSON object a payload \
             is stored as: use a struct with named fields (`struct Insert { .. }`), or name no \
             type for `Attrs`",
            "the payload of `note` serializes to an array, not to the JSON object a payload \
             is stored as: use a struct with named fields (`struct Note { .. }`), or name no \
             type for `Attrs`",
        ]
    );
}
