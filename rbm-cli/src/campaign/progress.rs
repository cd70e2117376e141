//! A campaign's progress bar on stderr, when stderr is a terminal.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use rbm_runtime::campaign::CampaignSummary;

/// The bar's layout: this run's numbers (those done in an earlier run left
/// out, so that the rate and the time left are this run's), then the counts.
/// The bar takes the width the text leaves on the terminal.
const TEMPLATE: &str = "{wide_bar} {pos}/{len}: {msg}, {rate}, {eta} left";

/// The progress of one run.
#[derive(Debug, Clone)]
pub(super) struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// A bar drawn on stderr if it is a terminal, else nowhere.
    pub(super) fn on_stderr() -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                    let _ = write!(out, "{:.1}/s", state.per_sec());
                },
            )
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(0), target).with_style(style);
        Self { bar }
    }

    /// Shows where the run stands.
    pub(super) fn update(&self, summary: &CampaignSummary) {
        self.bar
            .set_length(summary.total.saturating_sub(summary.resumed) as u64);
        self.bar
            .set_position(summary.done().saturating_sub(summary.resumed) as u64);
        self.bar.set_message(counts(summary));
    }

    /// Removes the bar, before the summary is printed.
    pub(super) fn clear(&self) {
        self.bar.finish_and_clear();
    }
}

/// `12 sent, 3 not reachable, 1 failed`.
fn counts(summary: &CampaignSummary) -> String {
    format!(
        "{} sent, {} not reachable, {} failed",
        summary.sent,
        summary.not_reachable,
        summary.failed_count()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_counts_name_each_outcome() {
        let mut summary = CampaignSummary::default();
        summary.total = 10;
        summary.sent = 4;
        summary.not_reachable = 2;
        summary.failed.insert("400: bad".to_owned(), 1);
        assert_eq!(counts(&summary), "4 sent, 2 not reachable, 1 failed");
    }
}
