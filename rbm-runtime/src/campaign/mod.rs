//! Campaigns: one message to a list of numbers, sent at a steady rate,
//! with the numbers that cannot receive RBM found first, and the progress
//! kept in the store so that an interrupted campaign resumes where it
//! stopped without sending anything twice.
//!
//! ```no_run
//! # async fn run(client: rbm_runtime::RbmApiClient, store: std::sync::Arc<dyn rbm_runtime::store::Store>)
//! # -> Result<(), Box<dyn std::error::Error>> {
//! use rbm_runtime::Reply;
//! use rbm_runtime::campaign::Campaign;
//!
//! let numbers = vec!["+12223334444".to_owned(), "+12223335555".to_owned()];
//! let campaign = Campaign::new("spring-sale", Reply::text("Spring sale: 20% off"))?;
//! let summary = campaign.run(&client, store.as_ref(), &numbers, |_| {}).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```
//!
//! Exactly once: each number's message id is derived from the campaign's
//! name and the number, so a message sent by a run that stopped before
//! recording it is refused by the platform as a duplicate (`409`) when the
//! next run sends it again, and counted as sent. A number's final outcome
//! (sent, not reachable, refused) is kept in the store as the state of the
//! pseudo-agent `campaign:{name}`, so `RBM_STATE_TTL_SECS` also bounds how
//! long a campaign can be resumed.

mod outcome;
mod summary;

use std::collections::HashSet;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::stream;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};

use crate::api::{ApiError, RbmApiClient};
use crate::reply::{Reply, ReplyError};
use crate::sender::OutgoingMessage;
use crate::store::{StateChange, StateKey, Store, StoreError};

pub use outcome::Outcome;
pub use summary::CampaignSummary;

/// The default send rate: 20 messages a second (1,200 a minute), under the
/// quota Google grants a new project; raise it with [`Campaign::rate`] once
/// the project's quota is known. A `429` pauses every send meanwhile.
pub const DEFAULT_RATE: NonZeroU32 = NonZeroU32::new(20).expect("20 is not zero");

/// Sends in flight at once by default.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// How often a run tries again the numbers that failed for a reason that
/// may pass (the API unavailable, its quota) before leaving them unfinished.
const ROUNDS: u32 = 4;

/// One message to many numbers; see the [module](self).
#[derive(Debug, Clone)]
pub struct Campaign {
    name: String,
    reply: Reply,
    rate: Option<NonZeroU32>,
    concurrency: usize,
    precheck: bool,
    pause_between_rounds: Duration,
}

/// A campaign cannot start or go on.
#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    /// The name is empty or has characters other than letters, digits,
    /// `-`, `_` and `.`.
    #[error("the campaign name {0:?} must be 1 to 100 letters, digits, '-', '_' or '.'")]
    Name(String),
    /// The message breaks a documented limit.
    #[error("the campaign's message is invalid: {0}")]
    Message(#[from] ReplyError),
    /// The store could not be read or written; what was recorded stays.
    #[error("the campaign's progress cannot be kept: {0}")]
    Store(#[from] StoreError),
    /// The reachability check (`users.batchGet`) failed; run without it to
    /// find unreachable numbers by sending.
    #[error("the reachability check failed: {0}")]
    Precheck(#[source] ApiError),
}

impl Campaign {
    /// A campaign `name` (its identity: the same name resumes it) sending
    /// `reply` to every number.
    pub fn new(name: impl Into<String>, reply: Reply) -> Result<Self, CampaignError> {
        let name = name.into();
        let valid = (1..=100).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(CampaignError::Name(name));
        }
        reply.encode()?;
        Ok(Self {
            name,
            reply,
            rate: Some(DEFAULT_RATE),
            concurrency: DEFAULT_CONCURRENCY,
            precheck: true,
            pause_between_rounds: Duration::from_secs(2),
        })
    }

    /// Messages a second, over all sends (default [`DEFAULT_RATE`]).
    pub fn rate(mut self, per_second: NonZeroU32) -> Self {
        self.rate = Some(per_second);
        self
    }

    /// No rate limit: as fast as the sends in flight and the API's `429`s allow.
    pub fn unlimited(mut self) -> Self {
        self.rate = None;
        self
    }

    /// Sends in flight at once (default [`DEFAULT_CONCURRENCY`], at least 1).
    pub fn concurrency(mut self, sends: usize) -> Self {
        self.concurrency = sends.max(1);
        self
    }

    /// Whether to ask `users.batchGet` first which numbers can receive RBM
    /// (default yes; numbers it leaves out are recorded as not reachable
    /// without a send). Without it, a send's `404` says so.
    pub fn precheck(mut self, precheck: bool) -> Self {
        self.precheck = precheck;
        self
    }

    /// The pause before a run tries again the numbers that failed for a
    /// reason that may pass (default 2 s).
    pub fn pause_between_rounds(mut self, pause: Duration) -> Self {
        self.pause_between_rounds = pause;
        self
    }

    /// The campaign's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends the message to every number of `lines` that has no final
    /// outcome in `store` yet (blank lines and `#` comments skipped, repeats
    /// sent once, lines that are not E.164 reported in the summary), calling
    /// `progress` after each number, and returns the summary.
    pub async fn run(
        &self,
        client: &RbmApiClient,
        store: &dyn Store,
        lines: &[String],
        progress: impl Fn(&CampaignSummary) + Send + Sync,
    ) -> Result<CampaignSummary, CampaignError> {
        let (numbers, invalid) = numbers_of(lines);
        let run = Run {
            campaign: self,
            client,
            store,
            progress: &progress,
            summary: Mutex::new(CampaignSummary {
                total: numbers.len(),
                invalid,
                ..CampaignSummary::default()
            }),
            limiter: self
                .rate
                .map(|rate| RateLimiter::direct(Quota::per_second(rate).allow_burst(burst(rate)))),
        };
        let pending = run.resume(&numbers).await?;
        let pending = if self.precheck && !pending.is_empty() {
            run.precheck(pending).await?
        } else {
            pending
        };
        let mut pending = pending;
        for round in 0..ROUNDS {
            if pending.is_empty() {
                break;
            }
            if round > 0 {
                tracing::info!(
                    campaign = %self.name,
                    numbers = pending.len(),
                    round = round + 1,
                    "trying again the numbers the API could not take"
                );
                tokio::time::sleep(self.pause_between_rounds).await;
            }
            pending = run.send_all(pending).await?;
        }
        let mut summary = run.into_summary();
        summary.unfinished = pending.len();
        Ok(summary)
    }
}

/// A small burst keeps the rate steady over any second.
fn burst(rate: NonZeroU32) -> NonZeroU32 {
    NonZeroU32::new(rate.get().div_ceil(10)).unwrap_or(NonZeroU32::MIN)
}

/// The distinct E.164 numbers of a list given one a line, in their order,
/// and the positions (from 1) of the lines that are not numbers; blank
/// lines and `#` comments are skipped. A campaign reads its list so.
pub fn numbers_of(lines: &[String]) -> (Vec<String>, Vec<usize>) {
    let mut seen = HashSet::with_capacity(lines.len());
    let mut numbers = Vec::with_capacity(lines.len());
    let mut invalid = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if crate::api::is_e164(line) {
            if seen.insert(line) {
                numbers.push(line.to_owned());
            }
        } else {
            invalid.push(index + 1);
        }
    }
    (numbers, invalid)
}

/// One run of a campaign.
struct Run<'a, P> {
    campaign: &'a Campaign,
    client: &'a RbmApiClient,
    store: &'a dyn Store,
    progress: &'a P,
    summary: Mutex<CampaignSummary>,
    limiter: Option<DefaultDirectRateLimiter>,
}

/// What sending to one number came to.
enum Sent {
    Final(Outcome, bool),
    /// A reason that may pass: try again.
    Again,
}

impl<P: Fn(&CampaignSummary) + Send + Sync> Run<'_, P> {
    fn key(&self, number: &str) -> StateKey {
        StateKey::new(format!("campaign:{}", self.campaign.name), number)
    }

    /// The numbers without a final outcome; those with one count as done.
    async fn resume(&self, numbers: &[String]) -> Result<Vec<String>, CampaignError> {
        let outcomes: Vec<Result<Option<Outcome>, StoreError>> = stream::iter(numbers)
            .map(|number| async move {
                let stored = self.store.state(&self.key(number)).await?;
                Ok(stored.and_then(|state| Outcome::decode(&state.data)))
            })
            .buffered(64)
            .collect()
            .await;
        let mut pending = Vec::new();
        for (number, outcome) in numbers.iter().zip(outcomes) {
            match outcome? {
                Some(outcome) => self.count(&outcome, false, true),
                None => pending.push(number.clone()),
            }
        }
        Ok(pending)
    }

    /// Records the numbers `users.batchGet` does not list as not reachable,
    /// and returns the others.
    async fn precheck(&self, pending: Vec<String>) -> Result<Vec<String>, CampaignError> {
        let found = self
            .client
            .reachable_users(&pending)
            .await
            .map_err(CampaignError::Precheck)?;
        let reachable: HashSet<&str> = found.reachable.iter().map(String::as_str).collect();
        let (reachable, unreachable): (Vec<String>, Vec<String>) = pending
            .into_iter()
            .partition(|number| reachable.contains(number.as_str()));
        let recorded: Vec<Result<(), CampaignError>> = stream::iter(&unreachable)
            .map(|number| self.record(number, Outcome::NotReachable, false))
            .buffer_unordered(64)
            .collect()
            .await;
        recorded.into_iter().collect::<Result<(), _>>()?;
        Ok(reachable)
    }

    /// Sends to every number of `pending`; returns those to try again.
    async fn send_all(&self, pending: Vec<String>) -> Result<Vec<String>, CampaignError> {
        let results: Vec<Result<Option<String>, CampaignError>> = stream::iter(pending)
            .map(|number| async move {
                match self.send(&number).await {
                    Sent::Final(outcome, already) => {
                        self.record(&number, outcome, already).await?;
                        Ok(None)
                    }
                    Sent::Again => Ok(Some(number)),
                }
            })
            .buffer_unordered(self.campaign.concurrency)
            .collect()
            .await;
        let mut again = Vec::new();
        for result in results {
            if let Some(number) = result? {
                again.push(number);
            }
        }
        Ok(again)
    }

    async fn send(&self, number: &str) -> Sent {
        if let Some(limiter) = &self.limiter {
            limiter.until_ready().await;
        }
        let message = OutgoingMessage::to(number, self.campaign.reply.clone())
            .key(&format!("campaign:{}", self.campaign.name));
        match self.client.send_message(&message).await {
            Ok(sent) => Sent::Final(Outcome::Sent, sent.already_sent),
            Err(ApiError::Rejected { status: 404, .. }) => {
                Sent::Final(Outcome::NotReachable, false)
            }
            Err(error) if error.is_retryable() => {
                tracing::debug!(campaign = %self.campaign.name, %error, "a send to try again");
                Sent::Again
            }
            Err(error) => Sent::Final(
                Outcome::Failed {
                    reason: error.to_string(),
                },
                false,
            ),
        }
    }

    /// Keeps `number`'s final outcome, then counts it.
    async fn record(
        &self,
        number: &str,
        outcome: Outcome,
        already_sent: bool,
    ) -> Result<(), CampaignError> {
        self.store
            .put_state(StateChange {
                key: self.key(number),
                data: Some(outcome.encode()),
            })
            .await?;
        self.count(&outcome, already_sent, false);
        Ok(())
    }

    fn count(&self, outcome: &Outcome, already_sent: bool, resumed: bool) {
        let mut summary = self
            .summary
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match outcome {
            Outcome::Sent => summary.sent += 1,
            Outcome::NotReachable => summary.not_reachable += 1,
            Outcome::Failed { reason } => *summary.failed.entry(reason.clone()).or_default() += 1,
        }
        summary.already_sent += usize::from(already_sent);
        summary.resumed += usize::from(resumed);
        (self.progress)(&summary);
    }

    fn into_summary(self) -> CampaignSummary {
        self.summary
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_read_once_each_with_bad_lines_reported() {
        let lines: Vec<String> = [
            "+12223334444",
            "",
            "# a comment",
            " +12223335555 ",
            "+12223334444",
            "12345",
            "+1 222",
        ]
        .iter()
        .map(|line| (*line).to_owned())
        .collect();
        let (numbers, invalid) = numbers_of(&lines);
        assert_eq!(numbers, ["+12223334444", "+12223335555"]);
        assert_eq!(invalid, [6, 7]);
    }

    #[test]
    fn names_are_checked() {
        assert!(Campaign::new("spring-sale_2026.1", Reply::text("x")).is_ok());
        for bad in ["", "a b", "a/b", &"x".repeat(101)] {
            assert!(
                matches!(
                    Campaign::new(bad, Reply::text("x")),
                    Err(CampaignError::Name(_))
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Campaign::new("ok", Reply::text("")),
            Err(CampaignError::Message(_))
        ));
    }

    #[test]
    fn the_burst_is_a_tenth_of_the_rate() {
        let rate = |n| NonZeroU32::new(n).expect("not zero");
        assert_eq!(burst(rate(20)).get(), 2);
        assert_eq!(burst(rate(1)).get(), 1);
        assert_eq!(burst(rate(1000)).get(), 100);
    }
}
