//! The audit example: 45 revisions of a document in a hash-chained log with
//! automatic savepoints, an approval, a refused late edit, then the checks:
//! the savepoints restore what the events replay to, and the chain holds.

use spector::{ChainCheck, SavepointCheck, Store};
use spector_examples::audit::{Approval, AuditEvents, Document, DocumentAction, Draft};
use spector_examples::backend::{database_url, trace_from_env, Backend};

#[tokio::main]
async fn main() -> spector::Result<()> {
    trace_from_env();
    let store = Store::<Backend>::connect(&database_url()).await?;
    store.migrate::<AuditEvents>().await?;

    let draft = |revision: u32| Draft {
        title: "Data retention policy".into(),
        body: format!("Keep records for {revision} months."),
    };
    let mut document: Document = store.insert(draft(1)).await?;
    for revision in 2..=45 {
        document = store.update(document.id, draft(revision)).await?;
    }
    let approval = Approval { by: "Grace".into() };
    let document = store
        .execute(document.id, DocumentAction::Approve(approval))
        .await?;
    println!(
        "\"{}\" at revision {}, approved by {}",
        document.title,
        document.revision,
        document.approved_by.as_deref().unwrap_or("nobody")
    );
    match store.update(document.id, draft(46)).await {
        Err(spector::Error::Invalid(invalid)) => println!("a late edit is refused: {invalid}"),
        other => panic!("an approved document changed: {other:?}"),
    }

    let events = store.all_events(document.id).await?;
    let savepoints = events
        .iter()
        .filter(|e| e.action_name::<Document>() == Some("savepoint"));
    println!(
        "{} events, {} of them savepoints; get() reads the last {}",
        events.len(),
        savepoints.count(),
        store.recent_events(document.id).await?.len()
    );
    match store.verify_savepoints(document.id).await? {
        SavepointCheck::Consistent { savepoints } => {
            println!("savepoints verified: {savepoints} restore what the events replay to");
        }
        SavepointCheck::Mismatch(mismatch) => panic!("{mismatch}"),
    }

    // Keep the head somewhere the database's writers cannot reach; checked
    // against it later, the chain also proves that nothing was cut off.
    let head = match store.verify_hash_chain::<AuditEvents>().await? {
        ChainCheck::Intact(head) => head,
        ChainCheck::Broken(broken) => panic!("the audit log was tampered with: {broken}"),
    };
    if let Some(hash) = head.hash {
        println!("hash chain intact: {} events, head {hash}", head.events);
    }
    let later = store.verify_hash_chain_from::<AuditEvents>(&head).await?;
    println!(
        "checked again against the kept head: intact {}",
        later.is_intact()
    );
    Ok(())
}
