//! The AI chat example: a conversation that forks. The user asks, the
//! assistant answers, the user follows up; then, from the assistant's
//! answer, a second follow-up goes another way. Each branch is replayed
//! from its ancestry, and the tree is counted as a whole and per branch.

use spector::{Error, Evented, Store};
use spector_examples::ai_chat::{
    branch, replies, reply, shared_prefix, start, AiChat, AiChatEvents, Role,
};
use spector_examples::backend::{database_url, trace_from_env, Backend};

#[tokio::main]
async fn main() -> spector::Result<()> {
    trace_from_env();
    let store = Store::<Backend>::connect(&database_url()).await?;
    // Every query below reads one conversation, so the conversations of
    // earlier runs on the same database change nothing.
    store.migrate::<AiChatEvents>().await?;

    let chat = start(&store, "What is event sourcing?").await?;
    let question = chat.id.uuid();
    let answer = reply(
        &store,
        chat.id,
        question,
        Role::Assistant,
        "Storing every change as an immutable event, and rebuilding state by replaying them.",
    )
    .await?;
    let follow_up = reply(
        &store,
        chat.id,
        answer.id,
        Role::User,
        "How do I undo a change then?",
    )
    .await?;
    // The fork: a second reply to the same answer.
    let other_follow_up = reply(
        &store,
        chat.id,
        answer.id,
        Role::User,
        "Which databases suit it?",
    )
    .await?;

    let first = branch(&store, follow_up.id).await?;
    let second = branch(&store, other_follow_up.id).await?;
    for (name, branch) in [("first", &first), ("second", &second)] {
        println!("The {name} branch, replayed from its ancestry:");
        for message in &branch.messages {
            println!("  {message}");
        }
    }
    let shared = shared_prefix(&first, &second);
    let diverging = |branch: &AiChat| {
        branch
            .messages
            .get(shared)
            .map(|message| message.to_string())
            .unwrap_or_default()
    };
    println!(
        "the branches share their first {shared} messages, then diverge: {:?} vs {:?}",
        diverging(&first),
        diverging(&second),
    );

    let forks = replies(&store, answer.id).await?;
    println!(
        "the assistant's answer has {} direct replies: {}",
        forks.len(),
        forks
            .iter()
            .map(|m| format!("{:?}", m.content))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let tree: AiChat = store.get(chat.id).await?.ok_or(Error::NotFound {
        record_type: AiChat::NAME,
        id: chat.id.uuid(),
    })?;
    println!(
        "the whole tree has {} messages; the branches have {} and {}",
        tree.messages.len(),
        first.messages.len(),
        second.messages.len()
    );

    // A reply must answer a message of its own conversation.
    let elsewhere = start(&store, "Unrelated question").await?;
    match reply(
        &store,
        chat.id,
        elsewhere.id.uuid(),
        Role::Assistant,
        "Misplaced answer",
    )
    .await
    {
        Err(Error::Invalid(invalid)) => {
            println!("a reply to a message of another conversation is refused: {invalid}");
        }
        Err(other) => return Err(other),
        Ok(_) => println!("a reply to a message of another conversation was accepted"),
    }
    Ok(())
}
