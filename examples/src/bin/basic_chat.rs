//! The basic chat guide, run end to end: start a conversation, add a message,
//! edit the first one, then list the messages and the edit history.

use spector::{Event, Store};
use spector_examples::backend::{database_url, trace_from_env, Backend};
use spector_examples::basic_chat::{
    content, get_edit_history, list_messages, BasicChat, BasicChatAction, BasicChatEvents,
    EditMessage, NewMessage,
};
use uuid::Uuid;

#[tokio::main]
async fn main() -> spector::Result<()> {
    trace_from_env();
    let store = Store::<Backend>::connect(&database_url()).await?;
    store.migrate::<BasicChatEvents>().await?;

    let alice = Uuid::now_v7();
    let bob = Uuid::now_v7();
    let name = |user_id: Uuid| if user_id == alice { "alice" } else { "bob" };

    // Starting a conversation.
    let chat: BasicChat = store
        .insert(NewMessage {
            user_id: alice,
            content: "Hello everyone!".into(),
        })
        .await?;

    // Adding a message: it goes first.
    let chat = store
        .update(
            chat.id,
            NewMessage {
                user_id: bob,
                content: "Hi there!".into(),
            },
        )
        .await?;

    // Editing the first message.
    let first_message_id = chat.messages[1].id;
    let chat = store
        .execute(
            chat.id,
            BasicChatAction::Edit(EditMessage {
                edits: first_message_id,
                content: "Hello everyone! (edited)".into(),
            }),
        )
        .await?;

    println!("Chat {} (newest first):", chat.id);
    for message in &chat.messages {
        println!("  {}: {}", name(message.user_id), message.content);
    }

    println!("\nLatest versions (list_messages):");
    for event in list_messages(&store, chat.id).await? {
        println!("  {}", describe(&event));
    }

    println!("\nEdit history of the first message (get_edit_history):");
    for (n, event) in get_edit_history(&store, first_message_id)
        .await?
        .iter()
        .enumerate()
    {
        println!("  {}. {}", n + 1, describe(event));
    }
    Ok(())
}

/// An event as one line: when, its id and the text it carries.
fn describe(event: &Event) -> String {
    format!(
        "{} {} {}",
        event.inserted_at.format("%H:%M:%S%.6f"),
        event.id,
        content(event).unwrap_or_default()
    )
}
