//! The typed links example: a policy revised three times; which revision
//! supersedes which, and which only cites, answered per kind of link.

use spector::{Error, Store};
use spector_examples::backend::{database_url, trace_from_env, Backend};
use spector_examples::typed_links::{text_of, Policy, PolicyEvents, PolicyLink, Relation, Revise};

#[tokio::main]
async fn main() -> spector::Result<()> {
    trace_from_env();
    let store = Store::<Backend>::connect(&database_url()).await?;
    store.migrate::<PolicyEvents>().await?;

    let revise = |text: &str| Revise {
        text: text.into(),
        supersedes: None,
        cites: Vec::new(),
    };
    let policy: Policy = store.insert(revise("Keep records 12 months.")).await?;
    let first = policy.id.uuid();
    let policy = store
        .update(
            policy.id,
            Revise {
                supersedes: Some(first),
                cites: vec![first],
                ..revise("Keep records 24 months (was 12).")
            },
        )
        .await?;
    let events = store.all_events(policy.id).await?;
    let second = events.last().map(|event| event.id).ok_or(Error::NotFound {
        record_type: "Policy",
        id: first,
    })?;
    let policy = store
        .update(
            policy.id,
            Revise {
                cites: vec![second],
                ..revise("Appendix: why 24 months.")
            },
        )
        .await?;
    println!("\"{}\" after {} revisions", policy.text, policy.revisions);

    for (name, event) in [
        ("the first revision", first),
        ("the second revision", second),
    ] {
        let superseding = store
            .linking_to_as(PolicyLink::Relates, Relation::Supersedes, event)
            .await?;
        let citing = store
            .linking_to_as(PolicyLink::Relates, Relation::Cites, event)
            .await?;
        println!(
            "what supersedes {name}: {:?}; what cites it: {:?}",
            superseding.iter().map(text_of).collect::<Vec<_>>(),
            citing.iter().map(text_of).collect::<Vec<_>>()
        );
    }
    let superseded = store
        .linked_from_as(PolicyLink::Relates, Relation::Supersedes, second)
        .await?;
    println!(
        "what the second revision supersedes: {:?}",
        superseded.iter().map(text_of).collect::<Vec<_>>()
    );
    let all = store.linked_from(PolicyLink::Relates, second).await?;
    println!(
        "the second revision relates to {} event(s) through {} link rows",
        all.len(),
        events.last().map_or(0, |event| event.links.len())
    );
    Ok(())
}
