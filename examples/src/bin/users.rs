//! The users example: accounts kept as events and as rows of `users`.
//! Version 0 of the service left sign-ups behind; version 1 upcasts them,
//! builds their rows with `materialize`, changes and archives accounts, and
//! queries the table with plain SQL beside the event history.

use spector::{Error, Id, Store};
use spector_examples::backend::{database_url, trace_from_env, users_with_events, Backend};
use spector_examples::users::{
    Archival, LegacySignUp, LegacyUser, NewEmail, SignUp, User, UserAction, UserEvents,
};

#[tokio::main]
async fn main() -> spector::Result<()> {
    trace_from_env();
    let store = Store::<Backend>::connect(&database_url()).await?;
    store.migrate_down::<UserEvents>().await?;
    store.migrate::<UserEvents>().await?;
    reset_table(&store).await?;

    // Version 0 of the service signed Ada up, and kept no read model.
    let legacy: LegacyUser = store
        .insert(LegacySignUp {
            full_name: "Ada Lovelace".into(),
            email: "Ada@Example.org".into(),
        })
        .await?;
    let ada_id = Id::<User>::new(legacy.id.uuid());
    let ada = store.get(ada_id).await?.ok_or(Error::NotFound {
        record_type: "User",
        id: ada_id.uuid(),
    })?;
    println!("version 0 event upcast: {} <{}>", ada.name, ada.email);
    store.materialize(ada_id).await?;
    println!("materialized the row of {}", ada.name);

    // Version 1 signs Grace up: event and row in one transaction.
    let grace: User = store
        .insert(SignUp {
            name: "Grace Hopper".into(),
            email: "Grace@Navy.mil".into(),
        })
        .await?;
    let grace = store
        .update(
            grace.id,
            NewEmail {
                email: "grace@example.org".into(),
            },
        )
        .await?;
    println!("{} moved from {:?}", grace.name, grace.past_emails);
    let ada = store
        .execute(
            ada_id,
            UserAction::Archive(Archival {
                reason: "left".into(),
            }),
        )
        .await?;
    match store
        .update(
            ada.id,
            NewEmail {
                email: "ada@new.org".into(),
            },
        )
        .await
    {
        Err(Error::Invalid(invalid)) => {
            println!("a change to an archived account is refused: {invalid}")
        }
        other => panic!("an archived account changed: {other:?}"),
    }

    let versions: Vec<u32> = store
        .all_events(ada.id)
        .await?
        .iter()
        .map(|event| event.meta().version)
        .collect();
    println!("Ada's events were written by versions {versions:?}");

    println!("plain SQL on the read model, beside the event log:");
    for (name, email, archived, events) in users_with_events(&store).await? {
        println!(
            "  {name} <{email}> archived: {} ({events} events)",
            archived.as_deref().unwrap_or("no")
        );
    }
    let page = store.list::<User>(None, 10).await?;
    println!("{} users listed", page.ids.len());
    Ok(())
}

/// Empties `users`, which `migrate_down` leaves in place, so that the
/// example starts afresh on a database it ran on before.
async fn reset_table(store: &Store<Backend>) -> spector::Result<()> {
    spector_examples::backend::execute(store, "DELETE FROM users").await
}
