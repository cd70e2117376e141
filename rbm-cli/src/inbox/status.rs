//! `rbm inbox status`: the counts of the store, and the oldest entry's age.

use rbm_runtime::store::InboxStatus;
use serde_json::json;

use super::Opened;
use super::show::{age_ms, human_age, now_ms};
use crate::error::CliError;

/// Prints the store's counts, as lines for a person or one JSON object.
pub(super) async fn run(opened: &Opened, json: bool) -> Result<(), CliError> {
    let status = opened.store.status().await?;
    let oldest_age_ms = status
        .oldest_received_at_ms
        .map(|received| age_ms(now_ms(), received));
    if json {
        println!("{}", as_json(opened, &status, oldest_age_ms));
    } else {
        print!("{}", as_text(opened, &status, oldest_age_ms));
    }
    Ok(())
}

fn as_text(opened: &Opened, status: &InboxStatus, oldest_age_ms: Option<i64>) -> String {
    let oldest = oldest_age_ms.map_or_else(|| "-".to_owned(), human_age);
    format!(
        "store:      {}\n\
         waiting:    {}\n\
         retrying:   {}\n\
         oldest:     {oldest}\n\
         dead:       {}\n\
         done marks: {}\n",
        opened.shown, status.waiting, status.retrying, status.dead, status.done_marks,
    )
}

fn as_json(opened: &Opened, status: &InboxStatus, oldest_age_ms: Option<i64>) -> String {
    json!({
        "store": opened.shown.clone(),
        "waiting": status.waiting,
        "retrying": status.retrying,
        "oldest_received_at_ms": status.oldest_received_at_ms,
        "oldest_age_ms": oldest_age_ms,
        "dead": status.dead,
        "done_marks": status.done_marks,
    })
    .to_string()
}
