//! The basic chat guide, run end to end: start a conversation, add a message,
//! edit the first one, then list the messages and the edit history.

use spector::{attrs, Event, Store};
use spector_examples::backend::{database_url, Backend};
use spector_examples::basic_chat::{
    get_edit_history, list_messages, BasicChat, BasicChatAction, BasicChatEvents,
};
use uuid::Uuid;

#[tokio::main]
async fn main() -> spector::Result<()> {
    let store = Store::<Backend>::connect(&database_url()).await?;
    store.migrate::<BasicChatEvents>().await?;

    let alice = Uuid::now_v7();
    let bob = Uuid::now_v7();
    let name = |user_id: Uuid| if user_id == alice { "alice" } else { "bob" };

    let chat: BasicChat = store
        .insert(attrs! { "user_id": alice, "content": "Hello everyone!" })
        .await?;
    let chat = store
        .update(&chat, attrs! { "user_id": bob, "content": "Hi there!" })
        .await?;
    let first_message_id = chat.messages[1].id;
    let chat = store
        .execute(
            &chat,
            BasicChatAction::Edit,
            attrs! { "edits": first_message_id, "content": "Hello everyone! (edited)" },
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

/// An event as one line: when, its id and the content it carries.
fn describe(event: &Event) -> String {
    let content: String = event
        .payload
        .get_or("content", String::new())
        .unwrap_or_default();
    format!(
        "{} {} {content}",
        event.inserted_at.format("%H:%M:%S%.6f"),
        event.id
    )
}
