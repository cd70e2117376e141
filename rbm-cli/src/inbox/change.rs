//! `rbm inbox retry` and `rbm inbox drop`: dead letters back to the inbox,
//! or gone for good.

use rbm_runtime::store::{EntryId, Selection, StoreError};

use super::Opened;
use crate::error::CliError;

/// Moves the dead letter `id` (or all of them) back to the inbox and says so.
pub(super) async fn retry(opened: &Opened, id: Option<i64>, all: bool) -> Result<(), CliError> {
    let which = selection(id, all)?;
    let moved = opened
        .store
        .retry_dead(which)
        .await
        .map_err(|error| unknown_named(opened, error))?;
    match (which, moved.as_slice()) {
        (Selection::One(id), [entry]) => println!(
            "moved dead letter {id} back to the inbox (now entry {})",
            entry.id
        ),
        (_, []) => println!("no dead letters to retry"),
        (_, moved) => println!(
            "moved {} back to the inbox",
            dead_letters(moved.len() as u64)
        ),
    }
    Ok(())
}

/// Deletes the dead letter `id` (or all of them) and says so.
pub(super) async fn drop(opened: &Opened, id: Option<i64>, all: bool) -> Result<(), CliError> {
    let which = selection(id, all)?;
    let dropped = opened
        .store
        .drop_dead(which)
        .await
        .map_err(|error| unknown_named(opened, error))?;
    match (which, dropped) {
        (Selection::One(id), 1) => println!("dropped dead letter {id}"),
        (_, 0) => println!("no dead letters to drop"),
        (_, dropped) => println!("dropped {}", dead_letters(dropped)),
    }
    Ok(())
}

/// The selection the command line made; clap lets exactly one through.
fn selection(id: Option<i64>, all: bool) -> Result<Selection, CliError> {
    match (id, all) {
        (Some(id), false) => Ok(Selection::One(EntryId(id))),
        (None, true) => Ok(Selection::All),
        _ => Err(CliError::Usage(
            "give a dead letter's id or --all, not both".to_owned(),
        )),
    }
}

/// An unknown id as an error that names it and the store.
fn unknown_named(opened: &Opened, error: StoreError) -> CliError {
    match error {
        StoreError::UnknownEntry(id) => CliError::NoDeadLetter {
            id,
            store: opened.shown.clone(),
        },
        other => other.into(),
    }
}

/// "1 dead letter", "3 dead letters".
fn dead_letters(count: u64) -> String {
    if count == 1 {
        "1 dead letter".to_owned()
    } else {
        format!("{count} dead letters")
    }
}
