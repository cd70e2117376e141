//! The Redis store: everything in one Redis (or Valkey) server, shared by
//! every process that names it, each operation one atomic Lua script.
//!
//! Durability is Redis's: an append is acknowledged once Redis answered,
//! which with `appendonly yes` and `appendfsync always` means it is on
//! Redis's disk; with `everysec` up to a second of acknowledged deliveries
//! can be lost if the Redis host loses power. The store says at start-up
//! which of these the server is set to. Times come from the store's clock,
//! as in every backend; Redis's own key expiry is used only for the leases
//! of inline claims, so that a process that dies mid-delivery does not
//! leave its deliveries claimed.

mod decode;
mod scripts;
mod url;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisError, Value};

use super::memory::{PRUNE_BATCH, PRUNE_EVERY};
use super::{
    Appended, Claim, DeadLetter, DedupeKey, Entry, EntryId, InboxStatus, LaneLocks, NewEntry,
    Partitions, Selection, StateChange, StateKey, Store, StoreConfig, StoreError, StoreFuture,
    StoredState,
};
use decode::{Malformed, key_hex};
use scripts::Scripts;
pub use url::{RedisUrl, RedisUrlError};

/// How long one connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a command may take to answer before it fails (and the delivery
/// gets a `503`, which Google retries).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// The inbox's partitions: users are spread over them, and each is handled
/// by one replica at a time. More than replicas will ever run, few enough
/// that polling them all is cheap.
pub(crate) const PARTITIONS: u32 = 16;

/// A [`Store`] in Redis, under a key prefix (`RBM_REDIS_PREFIX`).
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    scripts: Arc<Scripts>,
    prefix: Arc<str>,
    config: StoreConfig,
    completions: Arc<AtomicU64>,
    /// This process among the replicas (unique per start).
    replica: Arc<str>,
    /// Whether it leases partitions: then its writes to entries are fenced.
    leasing: Arc<AtomicBool>,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

/// Redis's persistence settings, as the store reads them at start-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisPersistence {
    /// `appendonly yes`: writes are logged to the append-only file.
    pub append_only: bool,
    /// `appendfsync`: `always`, `everysec` or `no` (`None` when the server
    /// does not tell, as managed services may not).
    pub fsync: Option<String>,
}

impl RedisStore {
    /// Connects to the Redis at `url` and checks that it answers (and that
    /// the credentials are accepted); keys go under `prefix`. Inline claims
    /// lapse after `config.claim_lease` if their process dies.
    pub async fn open(
        url: &RedisUrl,
        prefix: &str,
        config: StoreConfig,
    ) -> Result<Self, StoreError> {
        let client = client(url)?;
        let manager_config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(2)
            .set_max_delay(Duration::from_millis(500));
        let connection = ConnectionManager::new_with_config(client, manager_config)
            .await
            .map_err(|source| connect_error(url, source))?;
        let store = Self {
            connection,
            scripts: Arc::new(Scripts::new()),
            prefix: Arc::from(prefix),
            config,
            completions: Arc::default(),
            replica: Arc::from(format!(
                "{}-{}-{:08x}",
                hostname(),
                std::process::id(),
                fastrand::u32(..)
            )),
            leasing: Arc::default(),
        };
        let persistence = store
            .persistence()
            .await
            .map_err(|source| connect_error(url, source))?;
        report(&persistence);
        Ok(store)
    }

    /// What Redis does to keep what it acknowledged across its restart.
    pub async fn persistence(&self) -> Result<RedisPersistence, RedisError> {
        let mut connection = self.connection.clone();
        let info: String = redis::cmd("INFO")
            .arg("persistence")
            .query_async(&mut connection)
            .await?;
        let append_only = info.lines().any(|line| line.trim() == "aof_enabled:1");
        // Managed services often refuse CONFIG: then it is not known.
        let fsync: Option<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("appendfsync")
            .query_async::<Vec<String>>(&mut connection)
            .await
            .ok()
            .and_then(|pair| pair.into_iter().nth(1));
        Ok(RedisPersistence { append_only, fsync })
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn now(&self) -> i64 {
        self.config.clock.now_ms()
    }

    async fn run(&self, invocation: redis::ScriptInvocation<'_>) -> Result<Value, RedisError> {
        let mut connection = self.connection.clone();
        invocation.invoke_async(&mut connection).await
    }

    async fn append_now(&self, new: NewEntry) -> Result<Appended, StoreError> {
        let mut invocation = self.scripts.append.prepare_invoke();
        invocation.arg(&*self.prefix).arg(new.keys.len());
        for key in &new.keys {
            invocation.arg(key_hex(*key));
        }
        invocation
            .arg(&new.lane)
            .arg(&new.webhook)
            .arg(&new.data)
            .arg(new.received_at_ms)
            .arg(partition_of(&new.lane));
        for (name, value) in decode::optional_fields(&new) {
            invocation.arg(name).arg(value);
        }
        let id = self.run(invocation).await.map_err(write_error)?;
        match decode::integer(&id).map_err(read_error)? {
            0 => Ok(Appended::Duplicate),
            id => Ok(Appended::Stored(EntryId(id))),
        }
    }

    async fn pending_now(
        &self,
        after: Option<EntryId>,
        limit: usize,
    ) -> Result<Vec<Entry>, StoreError> {
        let count = i64::try_from(limit).unwrap_or(-1);
        let mut invocation = self.scripts.pending.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(after.map_or(0, |id| id.0))
            .arg(count);
        let listed = self.run(invocation).await.map_err(read_error)?;
        decode::entries(listed).map_err(read_error)
    }

    async fn entry_now(&self, id: EntryId) -> Result<Option<Entry>, StoreError> {
        let mut invocation = self.scripts.entry.prepare_invoke();
        invocation.arg(&*self.prefix).arg(id.0);
        match self.run(invocation).await.map_err(read_error)? {
            Value::Nil => Ok(None),
            fields => decode::entry(id, fields).map(Some).map_err(read_error),
        }
    }

    /// Adds a state change as its three arguments (mode, key, data).
    fn state_args(invocation: &mut redis::ScriptInvocation<'_>, change: Option<&StateChange>) {
        match change {
            None => invocation.arg("").arg("").arg(""),
            Some(StateChange {
                key,
                data: Some(data),
            }) => invocation.arg("s").arg(state_key(key)).arg(data.as_slice()),
            Some(StateChange { key, data: None }) => {
                invocation.arg("x").arg(state_key(key)).arg("")
            }
        };
    }

    async fn complete_now(
        &self,
        id: EntryId,
        change: Option<StateChange>,
    ) -> Result<(), StoreError> {
        let mut invocation = self.scripts.complete.prepare_invoke();
        invocation.arg(&*self.prefix).arg(id.0).arg(self.now());
        Self::state_args(&mut invocation, change.as_ref());
        invocation.arg(self.fence());
        self.expect_one(invocation, id).await?;
        self.completed().await;
        Ok(())
    }

    /// Counts a done mark made; every [`PRUNE_EVERY`] of them, prunes a batch.
    async fn completed(&self) {
        let made = self.completions.fetch_add(1, Ordering::Relaxed) + 1;
        if made.is_multiple_of(PRUNE_EVERY)
            && let Err(error) = self.prune_now(PRUNE_BATCH).await
        {
            tracing::warn!(%error, "store: could not prune old duplicate marks");
        }
    }

    async fn state_now(&self, key: &StateKey) -> Result<Option<StoredState>, StoreError> {
        let mut connection = self.connection.clone();
        let (data, at): (Option<Vec<u8>>, Option<i64>) = redis::cmd("HMGET")
            .arg(format!("{}:s:{}", self.prefix, state_key(key)))
            .arg("d")
            .arg("t")
            .query_async(&mut connection)
            .await
            .map_err(read_error)?;
        let alive_since = self.config.state_cutoff_ms(self.now());
        Ok(match (data, at) {
            (Some(data), Some(updated_at_ms)) if updated_at_ms >= alive_since => {
                Some(StoredState {
                    data,
                    updated_at_ms,
                })
            }
            _ => None,
        })
    }

    async fn put_state_now(&self, change: StateChange) -> Result<(), StoreError> {
        let mut invocation = self.scripts.put_state.prepare_invoke();
        invocation.arg(&*self.prefix);
        Self::state_args(&mut invocation, Some(&change));
        invocation.arg(self.now());
        self.run(invocation).await.map_err(write_error)?;
        Ok(())
    }

    async fn record_failure_now(
        &self,
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        let mut invocation = self.scripts.record_failure.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(id.0)
            .arg(attempts)
            .arg(next_attempt_at_ms)
            .arg(error)
            .arg(self.fence());
        self.expect_one(invocation, id).await
    }

    async fn dead_letter_now(&self, id: EntryId, error: &str) -> Result<(), StoreError> {
        let mut invocation = self.scripts.dead_letter.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(id.0)
            .arg(error)
            .arg(self.now())
            .arg(self.fence());
        self.expect_one(invocation, id).await
    }

    /// Runs a script that answers 1, 0 when entry `id` is not waiting, or
    /// -2 when its partition is another replica's now.
    async fn expect_one(
        &self,
        invocation: redis::ScriptInvocation<'_>,
        id: EntryId,
    ) -> Result<(), StoreError> {
        let answer = self.run(invocation).await.map_err(write_error)?;
        match decode::integer(&answer).map_err(read_error)? {
            0 => Err(StoreError::UnknownEntry(id)),
            -2 => Err(StoreError::NotOwner(id)),
            _ => Ok(()),
        }
    }

    /// The replica to fence entry writes with: none until it leases.
    fn fence(&self) -> &str {
        if self.leasing.load(Ordering::Relaxed) {
            &self.replica
        } else {
            ""
        }
    }

    async fn balance_now(&self, release: &[u32]) -> Result<(u32, Vec<u32>), StoreError> {
        self.leasing.store(true, Ordering::Relaxed);
        let released: Vec<String> = release.iter().map(u32::to_string).collect();
        let mut invocation = self.scripts.balance.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(&*self.replica)
            .arg(u64::try_from(self.config.partition_lease.as_millis()).unwrap_or(u64::MAX))
            .arg(PARTITIONS)
            .arg(released.join(","));
        let Value::Array(held) = self.run(invocation).await.map_err(write_error)? else {
            return Err(read_error(Malformed("the partitions held".into())));
        };
        let mut numbers = held.iter().map(|value| {
            decode::integer(value)
                .ok()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| read_error(Malformed("a partition number".into())))
        });
        let share = numbers.next().transpose()?.unwrap_or(PARTITIONS);
        Ok((share, numbers.collect::<Result<_, _>>()?))
    }

    async fn pending_in_now(
        &self,
        cursors: &[(u32, Option<EntryId>)],
        limit: usize,
    ) -> Result<Vec<(u32, Entry)>, StoreError> {
        let mut invocation = self.scripts.pending_in.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(i64::try_from(limit).unwrap_or(-1));
        for (partition, after) in cursors {
            invocation.arg(partition).arg(after.map_or(0, |id| id.0));
        }
        let listed = self.run(invocation).await.map_err(read_error)?;
        decode::partitioned_entries(listed).map_err(read_error)
    }

    /// `SET NX PX` until it is ours or `wait` is over, pausing a little
    /// longer each time (a lock is held for one handler's run).
    async fn acquire_lane(
        &self,
        lane: &str,
        lease: Duration,
        wait: Duration,
    ) -> Result<Option<u64>, StoreError> {
        let token = fastrand::u64(1..);
        let key = format!("{}:u:{lane}", self.prefix);
        let lease_ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX).max(1);
        let deadline = tokio::time::Instant::now() + wait;
        let mut pause = Duration::from_millis(2);
        loop {
            let mut connection = self.connection.clone();
            let taken: Option<String> = redis::cmd("SET")
                .arg(&key)
                .arg(token)
                .arg("NX")
                .arg("PX")
                .arg(lease_ms)
                .query_async(&mut connection)
                .await
                .map_err(write_error)?;
            if taken.is_some() {
                return Ok(Some(token));
            }
            if tokio::time::Instant::now() + pause > deadline {
                return Ok(None);
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    async fn release_lane(&self, lane: &str, token: u64) -> Result<(), StoreError> {
        let mut invocation = self.scripts.release_lane.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(format!("{}:u:{lane}", self.prefix))
            .arg(token);
        self.run(invocation).await.map_err(write_error)?;
        Ok(())
    }

    async fn release_all_now(&self) -> Result<(), StoreError> {
        let mut invocation = self.scripts.release_all.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(&*self.replica)
            .arg(PARTITIONS);
        self.run(invocation).await.map_err(write_error)?;
        Ok(())
    }

    async fn dead_letters_now(&self, limit: usize) -> Result<Vec<DeadLetter>, StoreError> {
        let mut invocation = self.scripts.dead_letters.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(i64::try_from(limit).unwrap_or(i64::MAX));
        let listed = self.run(invocation).await.map_err(read_error)?;
        decode::dead_letters(listed).map_err(read_error)
    }

    async fn retry_dead_now(&self, which: Selection) -> Result<Vec<Entry>, StoreError> {
        let mut invocation = self.scripts.retry_dead.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(selection(which))
            .arg(self.now());
        match self.run(invocation).await.map_err(write_error)? {
            Value::Int(0) => Err(unknown(which)),
            listed => decode::entries(listed).map_err(read_error),
        }
    }

    async fn drop_dead_now(&self, which: Selection) -> Result<u64, StoreError> {
        let mut invocation = self.scripts.drop_dead.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(selection(which))
            .arg(self.now());
        let dropped = self.run(invocation).await.map_err(write_error)?;
        let dropped = u64::try_from(decode::integer(&dropped).map_err(read_error)?)
            .map_err(|_| unknown(which))?;
        for _ in 0..dropped {
            self.completed().await;
        }
        Ok(dropped)
    }

    async fn status_now(&self) -> Result<InboxStatus, StoreError> {
        let mut invocation = self.scripts.status.prepare_invoke();
        invocation.arg(&*self.prefix);
        let Value::Array(counts) = self.run(invocation).await.map_err(read_error)? else {
            return Err(read_error(Malformed("the inbox's counts".into())));
        };
        let count = |i: usize| -> Result<u64, StoreError> {
            let value = counts.get(i).unwrap_or(&Value::Nil);
            let number = decode::integer(value).map_err(read_error)?;
            Ok(u64::try_from(number).unwrap_or_default())
        };
        let oldest = match counts.get(4) {
            None | Some(Value::Nil) => None,
            Some(value) => Some(decode::integer(value).map_err(read_error)?),
        };
        Ok(InboxStatus {
            waiting: count(0)?,
            retrying: count(1)?,
            dead: count(2)?,
            done_marks: count(3)?,
            oldest_received_at_ms: oldest,
        })
    }

    async fn claim_now(&self, keys: &[DedupeKey]) -> Result<Claim, StoreError> {
        let mut invocation = self.scripts.claim.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(u64::try_from(self.config.claim_lease.as_millis()).unwrap_or(u64::MAX));
        for key in keys {
            invocation.arg(key_hex(*key));
        }
        let claim = self.run(invocation).await.map_err(write_error)?;
        Ok(match decode::integer(&claim).map_err(read_error)? {
            0 => Claim::Fresh,
            1 => Claim::InFlight,
            _ => Claim::Done,
        })
    }

    async fn finish_now(
        &self,
        keys: &[DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> Result<(), StoreError> {
        let mut invocation = self.scripts.finish.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(if handled { "1" } else { "0" })
            .arg(self.now());
        Self::state_args(&mut invocation, change.as_ref());
        for key in keys {
            invocation.arg(key_hex(*key));
        }
        self.run(invocation).await.map_err(write_error)?;
        if handled {
            self.completed().await;
        }
        Ok(())
    }

    async fn prune_now(&self, limit: usize) -> Result<u64, StoreError> {
        let now = self.now();
        let state_cutoff = self
            .config
            .state_ttl
            .map(|_| self.config.state_cutoff_ms(now).to_string())
            .unwrap_or_default();
        let mut invocation = self.scripts.prune.prepare_invoke();
        invocation
            .arg(&*self.prefix)
            .arg(i64::try_from(limit).unwrap_or(i64::MAX).min(1 << 50))
            .arg(now)
            .arg(self.config.mark_ttl_ms().min(1 << 50))
            .arg(self.config.mark_capacity)
            .arg(state_cutoff);
        let pruned = self.run(invocation).await.map_err(write_error)?;
        Ok(u64::try_from(decode::integer(&pruned).map_err(read_error)?).unwrap_or_default())
    }
}

/// The partition of a lane: a stable hash, the same in every replica.
pub(crate) fn partition_of(lane: &str) -> u32 {
    let hash = xxhash_rust::xxh3::xxh3_64(lane.as_bytes());
    u32::try_from(hash % u64::from(PARTITIONS)).unwrap_or(0)
}

/// This host's name, to tell replicas apart in Redis (`HOSTNAME`, set in
/// containers; else a placeholder).
fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|name| !name.is_empty() && name.len() <= 64)
        .unwrap_or_else(|| "host".to_owned())
}

/// Says once at start-up what an acknowledged delivery survives.
fn report(persistence: &RedisPersistence) {
    match (persistence.append_only, persistence.fsync.as_deref()) {
        (true, Some("always")) => tracing::info!(
            "store: Redis logs every write and syncs it before answering (appendonly yes, appendfsync always)"
        ),
        (true, fsync) => tracing::warn!(
            appendfsync = fsync.unwrap_or("unknown"),
            "store: Redis syncs its log at most once a second: a power loss of the Redis host can lose the last second of acknowledged deliveries (appendfsync always keeps them)"
        ),
        (false, _) => tracing::warn!(
            "store: Redis does not log its writes (appendonly no): a Redis restart loses the inbox and its acknowledged deliveries (set appendonly yes, appendfsync always)"
        ),
    }
}

/// A state key as one Redis key segment: the agent's length first, so that
/// no agent and user pair can be read as another.
fn state_key(key: &StateKey) -> String {
    format!("{}:{}{}", key.agent.len(), key.agent, key.user)
}

fn selection(which: Selection) -> String {
    match which {
        Selection::All => "all".to_owned(),
        Selection::One(id) => id.0.to_string(),
    }
}

fn unknown(which: Selection) -> StoreError {
    match which {
        Selection::One(id) => StoreError::UnknownEntry(id),
        Selection::All => StoreError::read(Malformed("dead letters vanished".into())),
    }
}

fn client(url: &RedisUrl) -> Result<redis::Client, StoreError> {
    redis::Client::open(url.as_str()).map_err(|source| connect_error(url, source))
}

fn connect_error(url: &RedisUrl, source: RedisError) -> StoreError {
    StoreError::Connect {
        url: url.to_string(),
        source: Arc::new(source),
    }
}

fn write_error(source: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::write(source)
}

fn read_error(source: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::read(source)
}

impl Store for RedisStore {
    fn append(&self, entry: NewEntry) -> StoreFuture<'_, Appended> {
        Box::pin(self.append_now(entry))
    }

    fn pending_after(&self, after: Option<EntryId>, limit: usize) -> StoreFuture<'_, Vec<Entry>> {
        Box::pin(self.pending_now(after, limit))
    }

    fn entry(&self, id: EntryId) -> StoreFuture<'_, Option<Entry>> {
        Box::pin(self.entry_now(id))
    }

    fn complete_with(&self, id: EntryId, change: Option<StateChange>) -> StoreFuture<'_, ()> {
        Box::pin(self.complete_now(id, change))
    }

    fn state<'a>(&'a self, key: &'a StateKey) -> StoreFuture<'a, Option<StoredState>> {
        Box::pin(self.state_now(key))
    }

    fn put_state(&self, change: StateChange) -> StoreFuture<'_, ()> {
        Box::pin(self.put_state_now(change))
    }

    fn record_failure(
        &self,
        id: EntryId,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> StoreFuture<'_, ()> {
        let error = error.to_owned();
        Box::pin(async move {
            self.record_failure_now(id, attempts, next_attempt_at_ms, &error)
                .await
        })
    }

    fn dead_letter(&self, id: EntryId, error: &str) -> StoreFuture<'_, ()> {
        let error = error.to_owned();
        Box::pin(async move { self.dead_letter_now(id, &error).await })
    }

    fn dead_letters(&self, limit: usize) -> StoreFuture<'_, Vec<DeadLetter>> {
        Box::pin(self.dead_letters_now(limit))
    }

    fn retry_dead(&self, which: Selection) -> StoreFuture<'_, Vec<Entry>> {
        Box::pin(self.retry_dead_now(which))
    }

    fn drop_dead(&self, which: Selection) -> StoreFuture<'_, u64> {
        Box::pin(self.drop_dead_now(which))
    }

    fn status(&self) -> StoreFuture<'_, InboxStatus> {
        Box::pin(self.status_now())
    }

    fn claim<'a>(&'a self, keys: &'a [DedupeKey]) -> StoreFuture<'a, Claim> {
        Box::pin(self.claim_now(keys))
    }

    fn finish_with<'a>(
        &'a self,
        keys: &'a [DedupeKey],
        handled: bool,
        change: Option<StateChange>,
    ) -> StoreFuture<'a, ()> {
        Box::pin(self.finish_now(keys, handled, change))
    }

    fn prune_marks(&self) -> StoreFuture<'_, u64> {
        Box::pin(self.prune_now(usize::MAX))
    }

    fn partitions(&self) -> Option<&dyn Partitions> {
        Some(self)
    }

    fn lane_locks(&self) -> Option<&dyn LaneLocks> {
        Some(self)
    }
}

impl LaneLocks for RedisStore {
    fn acquire<'a>(
        &'a self,
        lane: &'a str,
        lease: Duration,
        wait: Duration,
    ) -> StoreFuture<'a, Option<u64>> {
        Box::pin(self.acquire_lane(lane, lease, wait))
    }

    fn release<'a>(&'a self, lane: &'a str, token: u64) -> StoreFuture<'a, ()> {
        Box::pin(self.release_lane(lane, token))
    }
}

impl Partitions for RedisStore {
    fn count(&self) -> u32 {
        PARTITIONS
    }

    fn partition_of(&self, lane: &str) -> u32 {
        partition_of(lane)
    }

    fn lease(&self) -> Duration {
        self.config.partition_lease
    }

    fn renew_every(&self) -> Duration {
        self.config.partition_lease / 3
    }

    fn balance<'a>(&'a self, release: &'a [u32]) -> StoreFuture<'a, (u32, Vec<u32>)> {
        Box::pin(self.balance_now(release))
    }

    fn pending_in<'a>(
        &'a self,
        cursors: &'a [(u32, Option<EntryId>)],
        limit: usize,
    ) -> StoreFuture<'a, Vec<(u32, Entry)>> {
        Box::pin(self.pending_in_now(cursors, limit))
    }

    fn release_all(&self) -> StoreFuture<'_, ()> {
        Box::pin(self.release_all_now())
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::store::suite::{Opened, entry, store_suite};
    use crate::testing::RedisServer;

    fn open(config: StoreConfig) -> std::pin::Pin<Box<dyn Future<Output = Opened> + Send>> {
        Box::pin(async move {
            let redis = RedisServer::start();
            let store = RedisStore::open(&redis.url(), "test", config)
                .await
                .expect("open");
            let store: Arc<dyn Store> = Arc::new(store);
            Opened::new(store, redis)
        })
    }

    store_suite!(open);

    #[tokio::test]
    async fn prefixes_keep_agents_apart_on_one_redis() {
        let redis = RedisServer::start();
        let shop = RedisStore::open(&redis.url(), "shop", StoreConfig::default())
            .await
            .expect("open");
        let bank = RedisStore::open(&redis.url(), "bank", StoreConfig::default())
            .await
            .expect("open");
        let stored = shop.append(entry("u1", &["m1"])).await.expect("append");
        assert!(matches!(stored, Appended::Stored(_)));
        // The same delivery is new to another agent's store.
        let other = bank.append(entry("u1", &["m1"])).await.expect("append");
        assert!(matches!(other, Appended::Stored(_)));
        assert_eq!(shop.status().await.expect("status").waiting, 1);
        assert_eq!(bank.status().await.expect("status").waiting, 1);
        assert!(redis.command(&["KEYS", "bank:*"]).contains("bank:waiting"));
    }

    #[tokio::test]
    async fn refused_credentials_and_no_server_fail_to_open_without_the_password() {
        let redis = RedisServer::with_password("s3cret-pass");
        let wrong = RedisUrl::parse(&format!("redis://:nope-pass@127.0.0.1:{}", redis.port()))
            .expect("url");
        let error = RedisStore::open(&wrong, "t", StoreConfig::default())
            .await
            .expect_err("wrong password");
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "cannot connect to redis://:***@127.0.0.1:{}",
                redis.port()
            )),
            "{message}"
        );
        assert!(!message.contains("nope-pass"), "{message}");
        assert!(!message.contains('\n'), "{message}");
        let right = RedisStore::open(&redis.url(), "t", StoreConfig::default()).await;
        assert!(right.is_ok(), "{:?}", right.err());

        let port = redis.port();
        drop(redis);
        let gone = RedisUrl::parse(&format!("redis://127.0.0.1:{port}")).expect("url");
        let error = RedisStore::open(&gone, "t", StoreConfig::default())
            .await
            .expect_err("no server");
        assert!(matches!(error, StoreError::Connect { .. }), "{error}");
    }

    #[tokio::test]
    async fn the_persistence_settings_are_read() {
        let redis = RedisServer::start();
        let store = RedisStore::open(&redis.url(), "t", StoreConfig::default())
            .await
            .expect("open");
        let persistence = store.persistence().await.expect("info");
        assert_eq!(
            persistence,
            RedisPersistence {
                append_only: true,
                fsync: Some("always".to_owned()),
            }
        );
    }

    #[tokio::test]
    async fn an_appended_entry_survives_a_redis_crash() {
        let mut redis = RedisServer::start();
        let store = RedisStore::open(&redis.url(), "t", StoreConfig::default())
            .await
            .expect("open");
        let Appended::Stored(id) = store.append(entry("u1", &["m1"])).await.expect("append") else {
            panic!("a fresh entry")
        };
        redis.restart();
        // The connection manager reconnects by itself.
        let mut pending = Err(StoreError::Closed);
        for _ in 0..50 {
            pending = store.pending().await;
            if pending.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let pending = pending.expect("Redis is back");
        assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), [id]);
        assert_eq!(
            store.append(entry("u1", &["m1"])).await.expect("append"),
            Appended::Duplicate
        );
    }
}
