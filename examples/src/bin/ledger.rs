//! The ledger example: open an account, deposit, withdraw, get refused an
//! overdraft, correct a deposit, then show that a rule tightened later
//! leaves accounts written before it readable, and close.

use spector::{Id, Store};
use spector_examples::backend::{database_url, trace_from_env, Backend};
use spector_examples::ledger::{
    describe, money, Account, AccountAction, Close, Correction, FirstReleaseAccount,
    FirstReleaseAccountAction, FirstReleaseLedgerEvents, LedgerEvents, Money, Open,
};

#[tokio::main]
async fn main() -> spector::Result<()> {
    trace_from_env();
    let store = Store::<Backend>::connect(&database_url()).await?;
    store.migrate::<LedgerEvents>().await?;

    let account: Account = store
        .insert(Open {
            owner: "Ada".into(),
        })
        .await?;
    println!("Account {} opened for {}", account.id, account.owner);
    let account = store
        .execute(account.id, AccountAction::Deposit(Money { cents: 10_000 }))
        .await?;
    println!("  deposit 100.00 → balance {}", money(account.balance));
    let account = store
        .execute(account.id, AccountAction::Withdraw(Money { cents: 3_000 }))
        .await?;
    println!("  withdraw 30.00 → balance {}", money(account.balance));

    let overdraft = store
        .execute(account.id, AccountAction::Withdraw(Money { cents: 9_000 }))
        .await;
    match overdraft {
        Err(spector::Error::Invalid(invalid)) => println!("  withdraw 90.00 refused: {invalid}"),
        other => panic!("an overdraft went through: {other:?}"),
    }

    let deposit = store.all_events(account.id).await?[1].id;
    let account = store
        .execute(
            account.id,
            AccountAction::Correct(Correction {
                corrects: deposit,
                cents: -500,
                reason: "the teller typed 100 for 95".into(),
            }),
        )
        .await?;
    println!(
        "  correct the deposit by -5.00 → balance {}",
        money(account.balance)
    );

    println!("\nHistory of {}:", account.id);
    for (n, event) in store.all_events(account.id).await?.iter().enumerate() {
        println!("  {}. {}", n + 1, describe(event));
    }

    // An account written by the first release, which had no withdrawal
    // limit: 80.00 went out in one withdrawal.
    store.migrate::<FirstReleaseLedgerEvents>().await?;
    let old: FirstReleaseAccount = store
        .insert(Open {
            owner: "Bob".into(),
        })
        .await?;
    store
        .execute(
            old.id,
            FirstReleaseAccountAction::Deposit(Money { cents: 20_000 }),
        )
        .await?;
    store
        .execute(
            old.id,
            FirstReleaseAccountAction::Withdraw(Money { cents: 8_000 }),
        )
        .await?;

    // Today's release reads it: the limit is a live rule, so the old
    // withdrawal replays, and only new withdrawals above the limit are refused.
    let old = Id::<Account>::new(old.id.uuid());
    let read = store.get(old).await?.ok_or(spector::Error::NotFound {
        record_type: "Account",
        id: old.uuid(),
    })?;
    println!(
        "\nAccount {} (written by the first release) reads fine under the 50.00 limit: balance {}",
        read.id,
        money(read.balance)
    );
    match store
        .execute(old, AccountAction::Withdraw(Money { cents: 6_000 }))
        .await
    {
        Err(spector::Error::Invalid(invalid)) => println!("  withdraw 60.00 refused: {invalid}"),
        other => panic!("a withdrawal above the limit went through: {other:?}"),
    }
    let read = store
        .execute(old, AccountAction::Withdraw(Money { cents: 2_000 }))
        .await?;
    println!("  withdraw 20.00 → balance {}", money(read.balance));

    let account = store
        .execute(account.id, AccountAction::Withdraw(Money { cents: 5_000 }))
        .await?;
    let account = store
        .execute(account.id, AccountAction::Withdraw(Money { cents: 1_500 }))
        .await?;
    let account = store
        .execute(
            account.id,
            AccountAction::Close(Close {
                reason: "moved away".into(),
            }),
        )
        .await?;
    println!(
        "\nAccount {} emptied and closed: balance {}, closed {}",
        account.id,
        money(account.balance),
        account.closed
    );
    assert_eq!(store.get(account.id).await?, Some(account.clone()));

    // A transfer is two writes to two accounts in one batch: both or neither.
    let carol: Account = store
        .insert(Open {
            owner: "Carol".into(),
        })
        .await?;
    let mut transfer = store.batch();
    let debit = transfer.execute(old, AccountAction::Withdraw(Money { cents: 2_500 }))?;
    let credit = transfer.execute(carol.id, AccountAction::Deposit(Money { cents: 2_500 }))?;
    let done = transfer.commit().await?;
    println!(
        "\ntransfer 25.00 from Bob to Carol: Bob {}, Carol {}",
        done.get(debit)
            .map_or_else(String::new, |a| money(a.balance)),
        done.get(credit)
            .map_or_else(String::new, |a| money(a.balance)),
    );
    let mut transfer = store.batch();
    transfer.execute(old, AccountAction::Withdraw(Money { cents: 1_000 }))?;
    transfer.execute(account.id, AccountAction::Deposit(Money { cents: 1_000 }))?;
    match transfer.commit().await {
        // The error names the write that failed: its place in the batch and
        // its record.
        Err(error) if error.as_invalid().is_some() => {
            let bob = store.get(old).await?.map(|a| money(a.balance));
            println!(
                "transfer 10.00 from Bob to Ada's closed account refused: {error}; Bob still has {}",
                bob.unwrap_or_default()
            );
        }
        other => panic!("a transfer to a closed account went through: {other:?}"),
    }
    Ok(())
}
