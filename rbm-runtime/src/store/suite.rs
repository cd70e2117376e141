//! The behaviour every [`Store`] backend shares, as one suite of tests that
//! each backend runs with `store_suite!(open)`.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use super::{
    Appended, Claim, Clock, DedupeKey, EntryId, NewEntry, Selection, StateChange, StateKey, Store,
    StoreConfig, StoreError,
};

/// A store under test, and whatever must outlive it (a temporary directory).
pub(crate) struct Opened {
    store: Arc<dyn Store>,
    _keep: Box<dyn Any + Send>,
}

impl Opened {
    /// `store`, keeping `keep` alive as long as it.
    pub(crate) fn new(store: Arc<dyn Store>, keep: impl Any + Send) -> Self {
        Self {
            store,
            _keep: Box::new(keep),
        }
    }
}

/// How a backend opens a store for one case.
pub(crate) type Open = fn(StoreConfig) -> Pin<Box<dyn Future<Output = Opened> + Send>>;

/// A store with a clock the case moves by hand.
pub(crate) struct Subject {
    opened: Opened,
    now: Arc<AtomicI64>,
}

impl Subject {
    pub(crate) async fn open(open: Open, ttl: Duration, capacity: usize) -> Self {
        let config = StoreConfig::default()
            .with_mark_ttl(ttl)
            .with_mark_capacity(capacity);
        Self::open_with(open, config).await
    }

    /// `config`, on a clock the case moves by hand.
    async fn open_with(open: Open, config: StoreConfig) -> Self {
        let now = Arc::new(AtomicI64::new(1_000_000));
        let read = Arc::clone(&now);
        let config = config.with_clock(Clock::new(move || read.load(Ordering::SeqCst)));
        Self {
            opened: open(config).await,
            now,
        }
    }

    async fn with_defaults(open: Open) -> Self {
        Self::open(open, Duration::from_secs(3600), 1000).await
    }

    fn store(&self) -> &dyn Store {
        &*self.opened.store
    }

    fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    async fn append(&self, entry: NewEntry) -> Appended {
        self.store().append(entry).await.expect("append")
    }

    async fn stored(&self, entry: NewEntry) -> EntryId {
        match self.append(entry).await {
            Appended::Stored(id) => id,
            Appended::Duplicate => panic!("a fresh entry was taken for a duplicate"),
        }
    }
}

pub(crate) fn key(id: &str) -> DedupeKey {
    DedupeKey::of(&["test", id])
}

/// An entry of `lane` whose keys are made of `ids`.
pub(crate) fn entry(lane: &str, ids: &[&str]) -> NewEntry {
    NewEntry {
        lane: lane.to_owned(),
        webhook: "/webhook".to_owned(),
        keys: ids.iter().map(|id| key(id)).collect(),
        data: format!("{{\"lane\":\"{lane}\",\"ids\":\"{}\"}}", ids.join(",")).into_bytes(),
        pubsub_message_id: ids.first().map(|id| (*id).to_owned()),
        publish_time: Some("2024-01-01T00:00:00Z".to_owned()),
        attribute_type: None,
        received_at_ms: 1_000_000,
    }
}

fn unknown<T: std::fmt::Debug>(result: Result<T, StoreError>, id: EntryId) {
    match result {
        Err(StoreError::UnknownEntry(got)) => assert_eq!(got, id),
        other => panic!("expected UnknownEntry({id}), got {other:?}"),
    }
}

pub(crate) async fn a_shared_key_makes_a_duplicate(open: Open) {
    let t = Subject::with_defaults(open).await;
    let first = t.stored(entry("u1", &["p1", "m1"])).await;
    assert_eq!(
        t.append(entry("u1", &["p1", "m9"])).await,
        Appended::Duplicate
    );
    assert_eq!(
        t.append(entry("u1", &["p9", "m1"])).await,
        Appended::Duplicate
    );
    let second = t.stored(entry("u1", &["p2", "m2"])).await;
    assert!(second > first);
    assert_eq!(t.store().pending().await.expect("pending").len(), 2);
}

pub(crate) async fn pending_is_in_arrival_order_with_every_field(open: Open) {
    let t = Subject::with_defaults(open).await;
    let mut expected = Vec::new();
    for (n, lane) in ["a", "b", "a", "c", "a"].iter().enumerate() {
        let mut new = entry(lane, &[&format!("p{n}"), &format!("m{n}")]);
        new.attribute_type = (n % 2 == 0).then(|| "message".to_owned());
        new.data.push(0xff); // not UTF-8: stored as bytes
        new.received_at_ms += n as i64;
        let id = t.stored(new.clone()).await;
        expected.push(super::Entry::new(id, new));
    }
    let pending = t.store().pending().await.expect("pending");
    assert_eq!(pending, expected);
    assert!(pending.windows(2).all(|w| w[0].id < w[1].id));
}

pub(crate) async fn a_completed_entry_is_gone_and_stays_a_duplicate(open: Open) {
    let t = Subject::with_defaults(open).await;
    let done = t.stored(entry("u", &["p1", "m1"])).await;
    let other = t.stored(entry("u", &["p2"])).await;
    t.store().complete(done).await.expect("complete");
    let pending = t.store().pending().await.expect("pending");
    assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), [other]);
    assert_eq!(
        t.append(entry("u", &["p3", "m1"])).await,
        Appended::Duplicate
    );
    unknown(t.store().complete(done).await, done);
    unknown(t.store().complete(EntryId(999)).await, EntryId(999));
    let status = t.store().status().await.expect("status");
    assert_eq!((status.waiting, status.done_marks), (1, 1));
}

pub(crate) async fn a_failure_is_recorded(open: Open) {
    let t = Subject::with_defaults(open).await;
    let id = t.stored(entry("u", &["p1"])).await;
    t.store()
        .record_failure(id, 2, 5_000_000, "the CRM timed out")
        .await
        .expect("record");
    let pending = t.store().pending().await.expect("pending");
    assert_eq!(pending[0].attempts, 2);
    assert_eq!(pending[0].next_attempt_at_ms, 5_000_000);
    assert_eq!(pending[0].last_error.as_deref(), Some("the CRM timed out"));
    unknown(
        t.store().record_failure(EntryId(77), 1, 0, "x").await,
        EntryId(77),
    );
}

pub(crate) async fn dead_letters_are_kept_retried_and_dropped(open: Open) {
    let t = Subject::with_defaults(open).await;
    let poison = t.stored(entry("u", &["p1", "m1"])).await;
    let next = t.stored(entry("u", &["p2", "m2"])).await;
    t.advance(500);
    t.store()
        .dead_letter(poison, "payload does not parse")
        .await
        .expect("dead letter");
    unknown(t.store().dead_letter(poison, "again").await, poison);

    let pending = t.store().pending().await.expect("pending");
    assert_eq!(pending.iter().map(|e| e.id).collect::<Vec<_>>(), [next]);
    let dead = t.store().dead_letters(10).await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].entry.id, poison);
    assert_eq!(dead[0].error, "payload does not parse");
    assert_eq!(dead[0].died_at_ms, 1_000_500);
    assert_eq!(dead[0].entry.keys, [key("p1"), key("m1")]);
    assert_eq!(t.append(entry("u", &["p1"])).await, Appended::Duplicate);

    let retried = t
        .store()
        .retry_dead(Selection::One(poison))
        .await
        .expect("retry");
    assert_eq!(retried.len(), 1);
    let again = retried[0].id;
    assert!(again > next, "a retried entry goes to the end");
    assert_eq!(
        (retried[0].attempts, retried[0].queued_at_ms),
        (0, 1_000_500)
    );
    assert_eq!(retried[0].received_at_ms, 1_000_000);
    let pending = t.store().pending().await.expect("pending");
    assert_eq!(
        pending.iter().map(|e| e.id).collect::<Vec<_>>(),
        [next, again]
    );
    assert_eq!(pending[1], retried[0]);
    assert_eq!(t.append(entry("u", &["m1"])).await, Appended::Duplicate);
    unknown(t.store().retry_dead(Selection::One(poison)).await, poison);

    t.store()
        .dead_letter(again, "still broken")
        .await
        .expect("dead");
    t.store()
        .dead_letter(next, "broken too")
        .await
        .expect("dead");
    unknown(t.store().drop_dead(Selection::One(poison)).await, poison);
    assert_eq!(t.store().drop_dead(Selection::All).await.expect("drop"), 2);
    let status = t.store().status().await.expect("status");
    assert_eq!((status.dead, status.done_marks), (0, 2));
    assert_eq!(t.append(entry("u", &["p1"])).await, Appended::Duplicate);
    assert_eq!(t.append(entry("u", &["m2"])).await, Appended::Duplicate);
    assert!(
        t.store()
            .retry_dead(Selection::All)
            .await
            .expect("retry none")
            .is_empty()
    );
}

pub(crate) async fn status_counts_what_is_held(open: Open) {
    let t = Subject::with_defaults(open).await;
    let empty = t.store().status().await.expect("status");
    assert_eq!(empty, super::InboxStatus::default());
    let mut ids = Vec::new();
    for n in 0..5 {
        let mut new = entry("u", &[&format!("p{n}")]);
        new.received_at_ms = 2_000 + n;
        ids.push(t.stored(new).await);
    }
    t.store()
        .record_failure(ids[1], 1, 0, "e")
        .await
        .expect("fail");
    t.store()
        .record_failure(ids[2], 3, 0, "e")
        .await
        .expect("fail");
    t.store().dead_letter(ids[0], "dead").await.expect("dead");
    t.store().complete(ids[3]).await.expect("complete");
    let status = t.store().status().await.expect("status");
    assert_eq!(
        status,
        super::InboxStatus {
            waiting: 3,
            retrying: 2,
            oldest_received_at_ms: Some(2_001),
            dead: 1,
            done_marks: 1,
        }
    );
}

pub(crate) async fn claims_are_fresh_in_flight_or_done(open: Open) {
    let t = Subject::with_defaults(open).await;
    let store = t.store();
    let a = [key("pa"), key("ma")];
    assert_eq!(store.claim(&a).await.expect("claim"), Claim::Fresh);
    assert_eq!(store.claim(&a).await.expect("claim"), Claim::InFlight);
    assert_eq!(
        store.claim(&[key("ma")]).await.expect("claim"),
        Claim::InFlight
    );
    store.finish(&a, false).await.expect("release");
    assert_eq!(store.claim(&a).await.expect("claim"), Claim::Fresh);
    store.finish(&a, true).await.expect("finish");
    assert_eq!(store.claim(&a).await.expect("claim"), Claim::Done);
    assert_eq!(
        store.claim(&[key("px"), key("ma")]).await.expect("claim"),
        Claim::Done
    );
    assert_eq!(t.append(entry("u", &["pa"])).await, Appended::Duplicate);
    t.stored(entry("u", &["inbox"])).await;
    assert_eq!(
        store.claim(&[key("inbox")]).await.expect("claim"),
        Claim::Done
    );
    assert_eq!(store.status().await.expect("status").done_marks, 1);
}

pub(crate) async fn done_marks_are_pruned_by_age(open: Open) {
    let t = Subject::open(open, Duration::from_millis(1_000), 1000).await;
    let old = t.stored(entry("u", &["old"])).await;
    t.store().complete(old).await.expect("complete");
    t.advance(600);
    let young = t.stored(entry("u", &["young"])).await;
    t.store().complete(young).await.expect("complete");
    t.advance(400);
    assert_eq!(t.store().prune_marks().await.expect("prune"), 0, "1 s old");
    t.advance(1);
    assert_eq!(t.store().prune_marks().await.expect("prune"), 1);
    assert!(matches!(
        t.append(entry("u", &["old"])).await,
        Appended::Stored(_)
    ));
    assert_eq!(t.append(entry("u", &["young"])).await, Appended::Duplicate);
}

pub(crate) async fn done_marks_are_pruned_by_count_oldest_first(open: Open) {
    let t = Subject::open(open, Duration::from_secs(3600), 3).await;
    for n in 0..5 {
        let id = t
            .stored(entry("u", &[&format!("p{n}"), &format!("m{n}")]))
            .await;
        t.store().complete(id).await.expect("complete");
        t.advance(1);
    }
    assert_eq!(t.store().prune_marks().await.expect("prune"), 2);
    assert_eq!(t.store().status().await.expect("status").done_marks, 3);
    for gone in ["p0", "m1"] {
        assert!(matches!(
            t.append(entry("u", &[gone])).await,
            Appended::Stored(_)
        ));
    }
    for kept in ["p2", "m3", "p4"] {
        assert_eq!(t.append(entry("u", &[kept])).await, Appended::Duplicate);
    }
}

pub(crate) async fn marks_of_waiting_and_dead_entries_are_never_pruned(open: Open) {
    let t = Subject::open(open, Duration::ZERO, 1).await;
    let waiting = t.stored(entry("u", &["waiting"])).await;
    let dead = t.stored(entry("u", &["dead"])).await;
    t.store().dead_letter(dead, "x").await.expect("dead");
    let done = t.stored(entry("u", &["done"])).await;
    t.store().complete(done).await.expect("complete");
    t.advance(10_000_000);
    assert_eq!(t.store().prune_marks().await.expect("prune"), 1);
    for kept in ["waiting", "dead"] {
        assert_eq!(t.append(entry("u", &[kept])).await, Appended::Duplicate);
    }
    let status = t.store().status().await.expect("status");
    assert_eq!((status.waiting, status.dead, status.done_marks), (1, 1, 0));
    t.store().complete(waiting).await.expect("complete");
}

pub(crate) async fn pruning_an_inline_mark_keeps_an_entrys_shared_key(open: Open) {
    let t = Subject::open(open, Duration::ZERO, 1).await;
    let shared = [key("shared")];
    assert_eq!(t.store().claim(&shared).await.expect("claim"), Claim::Fresh);
    // A claim in flight is not a mark: an inbox append of the same key goes in.
    let waiting = t.stored(entry("u", &["shared"])).await;
    t.store().finish(&shared, true).await.expect("finish");
    t.advance(1);
    assert_eq!(t.store().prune_marks().await.expect("prune"), 1);
    assert_eq!(t.append(entry("u", &["shared"])).await, Appended::Duplicate);
    t.store().complete(waiting).await.expect("complete");
}

pub(crate) async fn done_marks_are_pruned_on_their_own_in_batches(open: Open) {
    let t = Subject::open(open, Duration::from_secs(3600), 10).await;
    let completions = 600;
    for n in 0..completions {
        let id = t.stored(entry("u", &[&format!("p{n}")])).await;
        t.store().complete(id).await.expect("complete");
    }
    let marks = t.store().status().await.expect("status").done_marks;
    assert!(
        marks < completions,
        "{marks} marks left after {completions} completions"
    );
    assert!(marks >= 10, "pruned below capacity: {marks}");
}

pub(crate) async fn pending_reads_a_page_at_a_time_and_one_entry_by_id(open: Open) {
    let t = Subject::with_defaults(open).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(t.stored(entry("a", &[&format!("p{n}")])).await);
    }
    t.store().complete(ids[1]).await.expect("complete");
    t.store().dead_letter(ids[2], "boom").await.expect("dead");
    let page = |after, limit| t.store().pending_after(after, limit);
    let first: Vec<_> = page(None, 2)
        .await
        .expect("page")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(first, [ids[0], ids[3]], "neither done nor dead entries");
    let rest: Vec<_> = page(Some(ids[3]), 2)
        .await
        .expect("page")
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(rest, [ids[4]]);
    assert!(page(Some(ids[4]), 2).await.expect("page").is_empty());

    let one = t.store().entry(ids[3]).await.expect("entry");
    assert_eq!(
        one.map(|e| e.pubsub_message_id),
        Some(Some("p3".to_owned()))
    );
    for gone in [ids[1], ids[2], EntryId(999)] {
        assert_eq!(t.store().entry(gone).await.expect("entry"), None, "{gone}");
    }
}

fn set(key: &StateKey, data: &str) -> Option<StateChange> {
    Some(StateChange {
        key: key.clone(),
        data: Some(data.as_bytes().to_vec()),
    })
}

async fn state_of(t: &Subject, key: &StateKey) -> Option<String> {
    let stored = t.store().state(key).await.expect("state");
    stored.map(|s| String::from_utf8(s.data).expect("UTF-8"))
}

pub(crate) async fn state_changes_with_the_done_mark_and_only_then(open: Open) {
    let t = Subject::with_defaults(open).await;
    let alice = StateKey::new("agent", "+15550000001");
    let bob = StateKey::new("agent", "+15550000002");
    assert_eq!(state_of(&t, &alice).await, None);

    let first = t.stored(entry("a", &["p1"])).await;
    t.store()
        .complete_with(first, set(&alice, "1"))
        .await
        .expect("complete");
    assert_eq!(state_of(&t, &alice).await.as_deref(), Some("1"));
    assert_eq!(state_of(&t, &bob).await, None, "another user's state");
    let other_agent = StateKey::new("other", "+15550000001");
    assert_eq!(
        state_of(&t, &other_agent).await,
        None,
        "another agent's state"
    );

    // An entry that is not waiting completes nothing, and changes nothing.
    unknown(
        t.store().complete_with(first, set(&alice, "2")).await,
        first,
    );
    assert_eq!(state_of(&t, &alice).await.as_deref(), Some("1"));

    let second = t.stored(entry("a", &["p2"])).await;
    t.store()
        .complete_with(second, set(&alice, "2"))
        .await
        .expect("complete");
    assert_eq!(
        state_of(&t, &alice).await.as_deref(),
        Some("2"),
        "overwritten"
    );

    let third = t.stored(entry("a", &["p3"])).await;
    let reset = Some(StateChange {
        key: alice.clone(),
        data: None,
    });
    t.store()
        .complete_with(third, reset)
        .await
        .expect("complete");
    assert_eq!(state_of(&t, &alice).await, None, "reset");
}

pub(crate) async fn an_inline_finish_writes_state_only_when_handled(open: Open) {
    let t = Subject::with_defaults(open).await;
    let alice = StateKey::new("agent", "+15550000001");
    let (failed, handled) = ([key("i1")], [key("i2")]);
    assert_eq!(t.store().claim(&failed).await.expect("claim"), Claim::Fresh);
    t.store()
        .finish_with(&failed, false, set(&alice, "no"))
        .await
        .expect("finish");
    assert_eq!(state_of(&t, &alice).await, None, "not handled: no change");
    assert_eq!(
        t.store().claim(&handled).await.expect("claim"),
        Claim::Fresh
    );
    t.store()
        .finish_with(&handled, true, set(&alice, "yes"))
        .await
        .expect("finish");
    assert_eq!(state_of(&t, &alice).await.as_deref(), Some("yes"));
}

pub(crate) async fn state_untouched_past_its_ttl_reads_as_absent(open: Open) {
    let config = StoreConfig::default().with_state_ttl(Some(Duration::from_secs(60)));
    let t = Subject::open_with(open, config).await;
    let (alice, bob) = (StateKey::new("a", "+1"), StateKey::new("a", "+2"));
    let first = t.stored(entry("a", &["p1"])).await;
    t.store()
        .complete_with(first, set(&alice, "old"))
        .await
        .expect("complete");
    t.advance(40_000);
    let second = t.stored(entry("b", &["p2"])).await;
    t.store()
        .complete_with(second, set(&bob, "newer"))
        .await
        .expect("complete");
    t.advance(30_000);
    assert_eq!(state_of(&t, &alice).await, None, "70 s untouched");
    assert_eq!(state_of(&t, &bob).await.as_deref(), Some("newer"), "30 s");
    t.store().prune_marks().await.expect("prune");
    assert_eq!(
        state_of(&t, &bob).await.as_deref(),
        Some("newer"),
        "kept by a prune"
    );
}

/// Runs every case of the suite against the backend that `$open` opens.
macro_rules! store_suite {
    ($open:path) => {
        $crate::store::suite::store_suite!(
            @cases $open,
            a_shared_key_makes_a_duplicate,
            pending_is_in_arrival_order_with_every_field,
            pending_reads_a_page_at_a_time_and_one_entry_by_id,
            a_completed_entry_is_gone_and_stays_a_duplicate,
            a_failure_is_recorded,
            dead_letters_are_kept_retried_and_dropped,
            status_counts_what_is_held,
            claims_are_fresh_in_flight_or_done,
            done_marks_are_pruned_by_age,
            done_marks_are_pruned_by_count_oldest_first,
            marks_of_waiting_and_dead_entries_are_never_pruned,
            pruning_an_inline_mark_keeps_an_entrys_shared_key,
            done_marks_are_pruned_on_their_own_in_batches,
            state_changes_with_the_done_mark_and_only_then,
            an_inline_finish_writes_state_only_when_handled,
            state_untouched_past_its_ttl_reads_as_absent
        );
    };
    (@cases $open:path, $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                $crate::store::suite::$case($open).await;
            }
        )*
    };
}
pub(crate) use store_suite;
