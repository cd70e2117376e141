//! Ids and times shaped like Google's: unique per delivery in this process.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use chrono::{DateTime, SecondsFormat, Utc};

/// Bumped for every id, so two ids of one process never collide even when
/// the random part does.
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn next() -> u64 {
    SEQUENCE.fetch_add(1, Ordering::Relaxed)
}

/// A client-assigned id like `MxIgT-4pWCQu2tH9hMkSTljQ` (user messages and
/// events): `Mx` and 22 base64url characters.
pub(crate) fn client_id() -> String {
    let mut id = String::from("Mx");
    // 8 characters carry the sequence (48 bits), 14 are random.
    let mut sequence = next();
    for _ in 0..8 {
        id.push(ALPHABET[(sequence & 63) as usize] as char);
        sequence >>= 6;
    }
    for _ in 0..14 {
        id.push(ALPHABET[fastrand::usize(..ALPHABET.len())] as char);
    }
    id
}

/// Where this process's Pub/Sub ids start: random, so two test processes
/// talking to one bot rarely share ids; sequential after it, so one never does.
static PUBSUB_BASE: LazyLock<u64> =
    LazyLock::new(|| 10_000_000_000_000_000 + fastrand::u64(..1_000_000_000_000_000));

/// A Pub/Sub message id: 17 decimal digits.
pub(crate) fn pubsub_id() -> String {
    (*PUBSUB_BASE + next()).to_string()
}

/// A UUID, as the RBM API uses for agent message ids.
pub(crate) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The current time.
pub(crate) fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}

/// A `sendTime` as phones send it: nanosecond precision.
pub(crate) fn send_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// A Pub/Sub `publishTime`: millisecond precision.
pub(crate) fn publish_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_shaped_like_googles() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| client_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 24 && id.starts_with("Mx")));
        let pubsub: std::collections::HashSet<String> = (0..1000).map(|_| pubsub_id()).collect();
        assert_eq!(pubsub.len(), 1000);
        assert!(
            pubsub
                .iter()
                .all(|id| id.bytes().all(|b| b.is_ascii_digit()))
        );
    }
}
