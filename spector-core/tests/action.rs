//! Action codes: the built-ins, the codes derived from names, and what
//! `#[derive(Evented)]` generates from them.

use serde::{Deserialize, Serialize};
use spector::{event_log, Evented, Id};
use spector_core::action::{
    self, custom_action_code, is_built_in_code, ActionName, Updatable, BUILT_INS, FIRST_CUSTOM_CODE,
};
use spector_core::{attrs, Attrs, Invalid, RecordAction};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    text: String,
}

/// A newtype: serde writes it as the string it holds, not as an object,
/// which the derive cannot see from its name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Label(String);

/// A type without `update`.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(
    log = DocEvents,
    actions(edit, tag = 17, soft_delete(alias = archive), note(payload = Note, code = 40), label = Label)
)]
struct Doc {
    id: Id<Doc>,
}

/// A type that declares `update`, with a payload type.
#[derive(Debug, Clone, Default, PartialEq, Evented)]
#[evented(log = DocEvents, actions(update = Note))]
struct Memo {
    id: Id<Memo>,
}

event_log!(DocEvents {
    table: "doc_events",
    schemas: [Doc, Memo]
});

#[test]
fn custom_codes_never_change_for_a_name() {
    // Stored rows depend on these values: they may never change.
    assert_eq!(custom_action_code("edit"), 1_541_920_161);
    assert_eq!(custom_action_code("archive"), 419_300_325);
    assert_eq!(custom_action_code("increment"), 940_762_958);
    assert_eq!(custom_action_code("soft_delete"), 668_479_913);
    assert_eq!(custom_action_code(""), 18_652_645);
}

#[test]
fn custom_codes_stay_clear_of_the_built_ins() {
    for name in ["edit", "archive", "increment", "soft_delete", "", "a", "zz"] {
        let code = custom_action_code(name);
        assert!(code >= FIRST_CUSTOM_CODE, "{name}: {code}");
        assert!(!is_built_in_code(code), "{name}: {code}");
    }
}

#[test]
fn built_in_codes_are_spector_elixirs() {
    assert_eq!(
        (
            action::INSERT,
            action::UPDATE,
            action::DELETE,
            action::SAVEPOINT
        ),
        (1, 2, 3, 4)
    );
    assert_eq!(
        BUILT_INS,
        [
            ("insert", 1),
            ("update", 2),
            ("delete", 3),
            ("savepoint", 4)
        ]
    );
}

#[test]
fn only_one_to_four_are_built_in_codes() {
    let built_in: Vec<i32> = (-2..=20).filter(|code| is_built_in_code(*code)).collect();
    assert_eq!(built_in, [1, 2, 3, 4]);
    assert!(!is_built_in_code(i32::MIN));
    assert!(!is_built_in_code(i32::MAX));
}

#[test]
fn generated_names_list_every_action_and_alias_with_its_code() {
    let archive = custom_action_code("archive");
    assert_eq!(
        DocAction::NAMES,
        [
            ActionName {
                name: "insert",
                code: 1
            },
            ActionName {
                name: "edit",
                code: custom_action_code("edit")
            },
            ActionName {
                name: "tag",
                code: 17
            },
            ActionName {
                name: "soft_delete",
                code: archive
            },
            ActionName {
                name: "archive",
                code: archive
            },
            ActionName {
                name: "note",
                code: 40
            },
            ActionName {
                name: "label",
                code: custom_action_code("label")
            },
        ]
    );
}

#[test]
fn update_is_an_action_only_of_a_type_that_declares_it() {
    assert_eq!(DocAction::code_of("update"), None);
    assert_eq!(DocAction::name_of(action::UPDATE), None);
    assert!(DocAction::decode(action::UPDATE, attrs! { "text": "x" })
        .unwrap()
        .is_none());

    assert_eq!(
        MemoAction::NAMES,
        [
            ActionName {
                name: "insert",
                code: 1
            },
            ActionName {
                name: "update",
                code: 2
            },
        ]
    );
    let update = MemoAction::update(Note { text: "x".into() });
    assert_eq!((update.name(), update.code()), ("update", action::UPDATE));
    match MemoAction::decode(action::UPDATE, attrs! { "text": "x" }).unwrap() {
        Some(MemoAction::Update(Note { text })) => assert_eq!(text, "x"),
        other => panic!("expected an update, got {other:?}"),
    }
}

#[test]
fn a_payload_that_is_not_an_object_is_invalid_naming_its_action() {
    let invalid = DocAction::Label(Label("urgent".into()))
        .encode()
        .unwrap_err();
    assert_eq!(
        invalid,
        Invalid::new(
            "payload",
            "the payload of `label` must serialize to a JSON object (a struct with named \
             fields, or a map), got \"urgent\""
        )
    );
}

#[test]
fn names_and_codes_resolve_both_ways() {
    let archive = custom_action_code("archive");
    assert_eq!(DocAction::code_of("tag"), Some(17));
    assert_eq!(DocAction::code_of("archive"), Some(archive));
    assert_eq!(DocAction::code_of("soft_delete"), Some(archive));
    assert_eq!(DocAction::code_of("delete"), None);
    assert_eq!(DocAction::code_of("savepoint"), None);
    assert_eq!(DocAction::code_of("publish"), None);
    // The declared name, not the alias.
    assert_eq!(DocAction::name_of(archive), Some("soft_delete"));
    assert_eq!(DocAction::name_of(40), Some("note"));
    assert_eq!(DocAction::name_of(action::DELETE), None);
}

#[test]
fn each_variant_has_its_name_and_code() {
    let archive = custom_action_code("archive");
    let actions = [
        (DocAction::Insert(Attrs::new()), "insert", 1),
        (
            DocAction::Edit(Attrs::new()),
            "edit",
            custom_action_code("edit"),
        ),
        (DocAction::Tag(Attrs::new()), "tag", 17),
        (DocAction::SoftDelete(Attrs::new()), "soft_delete", archive),
        (
            DocAction::Note(Note {
                text: String::new(),
            }),
            "note",
            40,
        ),
    ];
    for (action, name, code) in actions {
        assert_eq!((action.name(), action.code()), (name, code), "{action:?}");
    }
}

#[test]
fn payloads_encode_and_decode_under_their_codes() {
    let note = DocAction::Note(Note { text: "hi".into() });
    let stored = note.encode().unwrap();
    assert_eq!(stored, attrs! { "text": "hi" });
    match DocAction::decode(40, stored.clone()).unwrap() {
        Some(DocAction::Note(Note { text })) => assert_eq!(text, "hi"),
        other => panic!("expected a note, got {other:?}"),
    }
    // The same payload under the alias's code is a soft delete carrying attrs.
    let archive = custom_action_code("archive");
    match DocAction::decode(archive, stored.clone()).unwrap() {
        Some(DocAction::SoftDelete(attrs)) => assert_eq!(attrs, stored),
        other => panic!("expected a soft delete, got {other:?}"),
    }
    // Delete and savepoint are not actions, nor is an undeclared code.
    for code in [action::DELETE, action::SAVEPOINT, 5, 41] {
        assert!(DocAction::decode(code, stored.clone()).unwrap().is_none());
    }
}

#[test]
fn a_payload_that_does_not_decode_is_invalid_on_its_field() {
    let invalid = DocAction::decode(40, attrs! { "text": 5 }).unwrap_err();
    assert_eq!(invalid.errors().keys().collect::<Vec<_>>(), ["text"]);
    let invalid = DocAction::decode(40, attrs! {}).unwrap_err();
    assert_eq!(invalid, Invalid::new("text", "can't be blank"));
}
