//! The counts of a campaign run, as it goes and at its end.

use std::collections::BTreeMap;
use std::fmt;

/// Where a campaign stands. Numbers with a final outcome from an earlier
/// run count in `sent`, `not_reachable` or `failed` too (and in `resumed`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CampaignSummary {
    /// The distinct numbers of the campaign.
    pub total: usize,
    /// Numbers whose outcome an earlier run had already recorded.
    pub resumed: usize,
    /// Numbers the platform took the message for.
    pub sent: usize,
    /// Numbers whose message had been sent by an earlier, interrupted run
    /// that did not record it (the platform answered `409`): not sent again.
    pub already_sent: usize,
    /// Numbers that cannot receive the agent's messages.
    pub not_reachable: usize,
    /// Numbers the API refused for good, by reason.
    pub failed: BTreeMap<String, usize>,
    /// Numbers left without a final outcome (the API unavailable until the
    /// run gave up): the next run tries them again.
    pub unfinished: usize,
    /// Lines of the list that are not E.164 numbers (by position from 1).
    pub invalid: Vec<usize>,
}

impl CampaignSummary {
    /// How many numbers failed for good.
    pub fn failed_count(&self) -> usize {
        self.failed.values().sum()
    }

    /// How many numbers have a final outcome.
    pub fn done(&self) -> usize {
        self.sent + self.not_reachable + self.failed_count()
    }
}

impl fmt::Display for CampaignSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sent, {} not reachable, {} failed",
            self.sent,
            self.not_reachable,
            self.failed_count()
        )?;
        if self.unfinished > 0 {
            write!(
                f,
                ", {} unfinished (run again to retry them)",
                self.unfinished
            )?;
        }
        write!(f, " of {} numbers", self.total)?;
        if self.resumed > 0 {
            write!(f, " ({} done in an earlier run)", self.resumed)?;
        }
        match self.invalid.len() {
            0 => {}
            1 => write!(f, "; 1 line is not an E.164 number")?,
            lines => write!(f, "; {lines} lines are not E.164 numbers")?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_reads_well_in_the_singular_and_plural() {
        let mut summary = CampaignSummary {
            total: 5,
            sent: 3,
            not_reachable: 1,
            unfinished: 1,
            resumed: 2,
            invalid: vec![7],
            ..CampaignSummary::default()
        };
        summary.failed.insert("403: no".into(), 1);
        assert_eq!(
            summary.to_string(),
            "3 sent, 1 not reachable, 1 failed, 1 unfinished (run again to retry them) of 5 numbers \
             (2 done in an earlier run); 1 line is not an E.164 number"
        );
        summary.invalid.push(9);
        assert!(
            summary
                .to_string()
                .ends_with("; 2 lines are not E.164 numbers")
        );
    }
}
