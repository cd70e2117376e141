//! What a test sets up or reads back of the fake's resources: reachable
//! users and their features, the rate limit, files, testers, the agent's
//! use case.

use std::time::Duration;

use super::FakeRbmApi;
use super::files::{FakeFile, Files};
use super::messages::AgentUseCase;
use super::quota::RateLimit;
use super::testers::{FakeTester, InviteStatus};

impl FakeRbmApi {
    /// Allows at most `requests` API calls in any window of length `per`
    /// (token requests are not counted); the next get 429
    /// RESOURCE_EXHAUSTED with `Retry-After`, the seconds (rounded up) until
    /// the window frees a place. [`stats`](Self::stats) counts them in
    /// `rate_limited`.
    pub fn set_rate_limit(&self, requests: usize, per: Duration) {
        self.state.memory().rate_limit = Some(RateLimit::new(requests, per));
    }

    /// Removes the rate limit.
    pub fn clear_rate_limit(&self) {
        self.state.memory().rate_limit = None;
    }

    /// Makes these users unreachable (in addition to any marked before):
    /// capabilities, messages, events and tester invites to them get 404,
    /// `users.batchGet` leaves them out.
    pub fn set_unreachable<I, S>(&self, phones: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.state
            .memory()
            .reach
            .add_unreachable(phones.into_iter().map(Into::into));
    }

    /// Makes only these users reachable (those marked unreachable stay so).
    pub fn set_reachable_only<I, S>(&self, phones: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.state
            .memory()
            .reach
            .set_reachable_only(phones.into_iter().map(Into::into));
    }

    /// Makes every user reachable again (the default).
    pub fn set_all_reachable(&self) {
        self.state.memory().reach.reset();
    }

    /// What `phone`'s device supports, as its capabilities answer them
    /// (default [`DEFAULT_FEATURES`](super::DEFAULT_FEATURES)); any string
    /// goes, Google's [`FEATURES`](super::FEATURES) or a value it may add.
    pub fn set_features<I, S>(&self, phone: impl Into<String>, features: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let features = features.into_iter().map(Into::into).collect();
        self.state
            .memory()
            .reach
            .set_features(phone.into(), features);
    }

    /// The agent's use case, which decides the traffic type of messages
    /// that set none (default [`AgentUseCase::Transactional`]).
    pub fn set_agent_use_case(&self, use_case: AgentUseCase) {
        self.state.memory().use_case = use_case;
    }

    /// The files created so far, in order.
    pub fn files(&self) -> Vec<FakeFile> {
        self.state.memory().files.all.clone()
    }

    /// Holds `file` as if created earlier (replacing one of the same name),
    /// so that messages may name it.
    pub fn insert_file(&self, file: FakeFile) {
        self.state.memory().files.insert(file);
    }

    /// The largest file an upload may carry (default
    /// [`DEFAULT_MAX_FILE_BYTES`](super::DEFAULT_MAX_FILE_BYTES), Google's
    /// 100 MiB); larger ones get 413.
    pub fn set_max_file_bytes(&self, bytes: u64) {
        self.state.memory().files.max_bytes = bytes;
    }

    /// Forgets every file (the limit stays).
    pub fn clear_files(&self) {
        let mut memory = self.state.memory();
        memory.files = Files {
            max_bytes: memory.files.max_bytes,
            ..Files::default()
        };
    }

    /// The users invited to test so far, in order.
    pub fn testers(&self) -> Vec<FakeTester> {
        self.state.memory().testers.all.clone()
    }

    /// Answers `agent_id`'s invite to `phone` as the user would; false when
    /// there is no such invite.
    pub fn set_tester_status(&self, agent_id: &str, phone: &str, status: InviteStatus) -> bool {
        self.state
            .memory()
            .testers
            .set_status(agent_id, phone, status)
    }

    /// How many tester invites an agent may send each (UTC) day and in all
    /// (default Google's 20 and 200); more get 429 RESOURCE_EXHAUSTED.
    pub fn set_tester_invite_limits(&self, per_day: u32, in_all: u32) {
        let mut memory = self.state.memory();
        memory.testers.per_day = per_day;
        memory.testers.in_all = in_all;
    }
}
