//! `rbm campaign`: one message to a list of numbers, with the runtime's
//! campaign engine; the progress kept in the store, so that running the
//! same campaign again resumes it without sending anything twice.

mod progress;
mod store;

use std::sync::Mutex;

use rbm_runtime::campaign::{Campaign, CampaignSummary};

use crate::cli::CampaignArgs;
use crate::error::CliError;
use crate::inbox::one_line;
use crate::signals::Signals;
use crate::{connect, numbers};

use progress::Progress;

/// Runs the campaign to its end (or a signal) and prints its summary;
/// `Ok(false)` when numbers failed or are left unfinished.
pub(crate) async fn run(args: CampaignArgs) -> Result<bool, CliError> {
    let mut campaign = Campaign::new(args.name.as_str(), args.message.reply())?
        .precheck(!args.no_precheck)
        .concurrency(usize::from(args.concurrency));
    if args.unlimited {
        campaign = campaign.unlimited();
    } else if let Some(rate) = args.rate {
        campaign = campaign.rate(rate);
    }
    let client = connect::client(&args.agent)?;
    let lines = numbers::read_lines(&args.file)?;
    let store = store::open(&args.store).await?;
    let mut signals = Signals::watch().map_err(CliError::io("watching for Ctrl-C and SIGTERM"))?;
    let progress = Progress::on_stderr();
    let last = Mutex::new(CampaignSummary::default());
    let on_progress = |summary: &CampaignSummary| {
        progress.update(summary);
        *last.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = summary.clone();
    };
    // A signal drops the run: sends in flight are abandoned, and one the
    // platform took without its outcome being recorded is answered `409`
    // (same message id) when the next run sends it again.
    let outcome = tokio::select! {
        summary = campaign.run(&client, store.as_ref(), &lines, on_progress) => Ok(summary),
        stop = signals.recv() => Err(stop),
    };
    progress.clear();
    match outcome {
        Ok(summary) => {
            let summary = summary?;
            print_summary(&summary);
            Ok(summary.failed.is_empty() && summary.unfinished == 0)
        }
        Err(stop) => {
            let summary = last
                .into_inner()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            eprintln!("so far: {summary}");
            Err(CliError::Interrupted {
                signal: stop.name(),
                code: stop.exit_code(),
            })
        }
    }
}

/// The summary line, then why numbers failed and which lines were skipped.
fn print_summary(summary: &CampaignSummary) {
    println!("{summary}");
    if summary.already_sent > 0 {
        println!(
            "  {} of the sent had been sent by an interrupted run (not sent again)",
            summary.already_sent
        );
    }
    for (reason, count) in &summary.failed {
        println!("  failed {count}: {}", one_line(reason));
    }
    if !summary.invalid.is_empty() {
        println!(
            "  {} not an E.164 number (skipped)",
            numbers::line_list(&summary.invalid)
        );
    }
}
