//! `rbm reachable`: which numbers of a list can receive the agent's messages.

use std::collections::HashSet;

use crate::cli::ReachableArgs;
use crate::error::CliError;
use crate::{connect, numbers};

/// Prints the reachable numbers, one a line, in the list's order, and a
/// summary on stderr.
pub(crate) async fn run(args: ReachableArgs) -> Result<bool, CliError> {
    let client = connect::client(&args.agent)?;
    let lines = numbers::read_lines(&args.file)?;
    let (numbers, invalid) = rbm_runtime::campaign::numbers_of(&lines);
    let found = if numbers.is_empty() {
        Default::default()
    } else {
        client.reachable_users(&numbers).await?
    };
    let reachable: HashSet<&str> = found.reachable.iter().map(String::as_str).collect();
    let mut count = 0;
    for number in numbers.iter().filter(|n| reachable.contains(n.as_str())) {
        println!("{number}");
        count += 1;
    }
    let mut summary = format!("{count} of {} numbers reachable", numbers.len());
    if found.total_random_sample > 0 {
        summary.push_str(&format!(
            " (Google's sample: {} of {} reachable by RCS)",
            found.reachable_random_sample, found.total_random_sample
        ));
    }
    if !invalid.is_empty() {
        summary.push_str(&format!(
            "; {} not an E.164 number (skipped)",
            numbers::line_list(&invalid)
        ));
    }
    eprintln!("{summary}");
    Ok(true)
}
