//! What the fake remembers: issued tokens, seen ids, scripted failures,
//! recorded requests and counters.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::files::Files;
use super::messages::AgentUseCase;
use super::quota::RateLimit;
use super::reachability::Reachability;
use super::testers::Testers;

/// One request the fake answered. It travels as JSON from `rbm api` to
/// `rbm send` ([`super::RemoteFakeApi`]), without its `Authorization`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordedRequest {
    /// `POST`, `DELETE`…
    pub method: String,
    /// The path, as sent (`/v1/phones/+12223334444/agentMessages`).
    pub path: String,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The body as JSON (`None` when empty or not JSON; form bodies are
    /// recorded as a JSON object of their fields).
    pub body: Option<serde_json::Value>,
    /// The `Authorization` header, as sent (kept in this process: an access
    /// token, even a fake one, is not handed out over HTTP).
    #[serde(skip)]
    pub authorization: Option<String>,
    /// The status the fake answered.
    pub status: u16,
}

impl RecordedRequest {
    /// The first query parameter called `name`.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// How many requests of each kind the fake answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FakeStats {
    /// API requests (token requests excluded), whatever their answer.
    pub requests: u64,
    /// Token requests, whatever their answer.
    pub token_requests: u64,
    /// Agent messages accepted (200).
    pub agent_messages: u64,
    /// Agent events accepted (200).
    pub agent_events: u64,
    /// Messages revoked (200).
    pub revocations: u64,
    /// Creates refused as duplicates of an earlier id (409).
    pub duplicates: u64,
    /// Capability checks answered (200 or 404 for an unreachable user).
    pub capability_checks: u64,
    /// `users.batchGet` calls answered (200).
    pub user_batches: u64,
    /// Tester invites answered (200, a repeated invite included).
    pub tester_invites: u64,
    /// Files created (200), by URL or uploaded.
    pub files: u64,
    /// 429 RESOURCE_EXHAUSTED answers for a limit: the rate limit of
    /// [`set_rate_limit`](super::FakeRbmApi::set_rate_limit) or the tester
    /// invite limits (scripted failures not included).
    pub rate_limited: u64,
    /// Answers other than 200 (scripted failures included).
    pub failures: u64,
    /// TCP connections accepted (API and token endpoint together): far fewer
    /// than requests when the client reuses its connections.
    pub connections: u64,
}

#[derive(Default)]
pub(super) struct Counters {
    pub(super) requests: AtomicU64,
    pub(super) token_requests: AtomicU64,
    pub(super) agent_messages: AtomicU64,
    pub(super) agent_events: AtomicU64,
    pub(super) revocations: AtomicU64,
    pub(super) duplicates: AtomicU64,
    pub(super) capability_checks: AtomicU64,
    pub(super) user_batches: AtomicU64,
    pub(super) tester_invites: AtomicU64,
    pub(super) files: AtomicU64,
    pub(super) rate_limited: AtomicU64,
    pub(super) failures: AtomicU64,
    pub(super) connections: AtomicU64,
}

impl Counters {
    pub(super) fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn snapshot(&self) -> FakeStats {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        FakeStats {
            requests: get(&self.requests),
            token_requests: get(&self.token_requests),
            agent_messages: get(&self.agent_messages),
            agent_events: get(&self.agent_events),
            revocations: get(&self.revocations),
            duplicates: get(&self.duplicates),
            capability_checks: get(&self.capability_checks),
            user_batches: get(&self.user_batches),
            tester_invites: get(&self.tester_invites),
            files: get(&self.files),
            rate_limited: get(&self.rate_limited),
            failures: get(&self.failures),
            connections: get(&self.connections),
        }
    }
}

/// The mutable part, behind one lock (the fake is not the bottleneck).
pub(super) struct Memory {
    pub(super) record: bool,
    pub(super) requests: Vec<RecordedRequest>,
    pub(super) token_requests: Vec<RecordedRequest>,
    pub(super) api_failures: VecDeque<u16>,
    /// Answers every API call with this status once `api_failures` is empty.
    pub(super) api_failing: Option<u16>,
    pub(super) token_failures: VecDeque<u16>,
    pub(super) token_lifetime: Duration,
    pub(super) tokens: HashMap<String, Instant>,
    pub(super) next_token: u64,
    /// `phone/messageId` of accepted messages: a reused id is a 409.
    pub(super) messages: HashSet<String>,
    pub(super) revoked: HashSet<String>,
    pub(super) events: HashSet<String>,
    pub(super) reach: Reachability,
    pub(super) files: Files,
    pub(super) testers: Testers,
    /// The quota on API calls, when one is set.
    pub(super) rate_limit: Option<RateLimit>,
    pub(super) use_case: AgentUseCase,
}

impl Memory {
    pub(super) fn new(record: bool, token_lifetime: Duration) -> Self {
        Self {
            record,
            requests: Vec::new(),
            token_requests: Vec::new(),
            api_failures: VecDeque::new(),
            api_failing: None,
            token_failures: VecDeque::new(),
            token_lifetime,
            tokens: HashMap::new(),
            next_token: 0,
            messages: HashSet::new(),
            revoked: HashSet::new(),
            events: HashSet::new(),
            reach: Reachability::default(),
            files: Files::default(),
            testers: Testers::default(),
            rate_limit: None,
            use_case: AgentUseCase::default(),
        }
    }

    /// A new token, valid for the configured lifetime.
    pub(super) fn issue_token(&mut self) -> (String, Duration) {
        self.next_token += 1;
        let token = format!(
            "fake-rbm-token-{}-{:016x}",
            self.next_token,
            fastrand::u64(..)
        );
        let lifetime = self.token_lifetime;
        self.tokens.insert(token.clone(), Instant::now() + lifetime);
        (token, lifetime)
    }

    /// Whether `authorization` is `Bearer <a token we issued that has not expired>`.
    pub(super) fn authorized(&self, authorization: Option<&str>) -> bool {
        authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .and_then(|token| self.tokens.get(token))
            .is_some_and(|expires| Instant::now() < *expires)
    }

    pub(super) fn record(&mut self, request: RecordedRequest, token_endpoint: bool) {
        if !self.record {
            return;
        }
        if token_endpoint {
            self.token_requests.push(request);
        } else {
            self.requests.push(request);
        }
    }
}

/// The shared state of one fake.
pub(super) struct State {
    /// How long every RBM API answer (not the token endpoint's) is held, in ms.
    pub(super) latency_ms: std::sync::atomic::AtomicU64,
    pub(super) memory: Mutex<Memory>,
    pub(super) counters: Counters,
    pub(super) client_email: String,
    pub(super) public_key_der: Vec<u8>,
    pub(super) token_uri: String,
    /// The authorized user whose refresh token the token endpoint takes.
    pub(super) user: super::TestAuthorizedUser,
}

impl State {
    pub(super) fn memory(&self) -> std::sync::MutexGuard<'_, Memory> {
        // A panicking test thread must not take every later assertion with it.
        self.memory
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The current time (chrono's `clock` feature is not enabled).
pub(super) fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(std::time::SystemTime::now())
}
