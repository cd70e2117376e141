//! Which users the fake can reach over RBM, and what their devices support.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use regex::Regex;

/// The features of Google's `Feature` enum a user can have, as of its v1
/// schema (`FEATURE_UNSPECIFIED` is never answered). Any other string can be
/// set with [`FakeRbmApi::set_features`](super::FakeRbmApi::set_features),
/// to see a client cope with values Google adds later.
pub const FEATURES: &[&str] = &[
    "REVOCATION",
    "RICHCARD_STANDALONE",
    "RICHCARD_CAROUSEL",
    "ACTION_CREATE_CALENDAR_EVENT",
    "ACTION_DIAL",
    "ACTION_OPEN_URL",
    "ACTION_SHARE_LOCATION",
    "ACTION_VIEW_LOCATION",
    "PAYMENTS_V1",
];

/// What a reachable user without features of their own supports: what
/// Google Messages answers today (payments are not offered).
pub const DEFAULT_FEATURES: &[&str] = &[
    "REVOCATION",
    "RICHCARD_STANDALONE",
    "RICHCARD_CAROUSEL",
    "ACTION_CREATE_CALENDAR_EVENT",
    "ACTION_DIAL",
    "ACTION_OPEN_URL",
    "ACTION_SHARE_LOCATION",
    "ACTION_VIEW_LOCATION",
];

/// `+`, then 1 to 15 digits, the first not 0 (E.164).
static E164: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\+[1-9][0-9]{0,14}$").unwrap_or_else(|error| panic!("a valid regex: {error}"))
});

/// Whether `phone` is an E.164 number.
pub(super) fn is_e164(phone: &str) -> bool {
    E164.is_match(phone)
}

/// Who is reachable: everyone but `unreachable`, and, when `only` is set,
/// only those in it.
#[derive(Debug, Default)]
pub(super) struct Reachability {
    unreachable: HashSet<String>,
    only: Option<HashSet<String>>,
    features: HashMap<String, Vec<String>>,
}

impl Reachability {
    pub(super) fn is_reachable(&self, phone: &str) -> bool {
        !self.unreachable.contains(phone)
            && self.only.as_ref().is_none_or(|only| only.contains(phone))
    }

    pub(super) fn add_unreachable(&mut self, phones: impl IntoIterator<Item = String>) {
        self.unreachable.extend(phones);
    }

    pub(super) fn set_reachable_only(&mut self, phones: impl IntoIterator<Item = String>) {
        self.only = Some(phones.into_iter().collect());
    }

    /// Everyone reachable again (features set per user are kept).
    pub(super) fn reset(&mut self) {
        self.unreachable.clear();
        self.only = None;
    }

    pub(super) fn set_features(&mut self, phone: String, features: Vec<String>) {
        self.features.insert(phone, features);
    }

    /// The features of a reachable user.
    pub(super) fn features(&self, phone: &str) -> Vec<String> {
        self.features.get(phone).cloned().unwrap_or_else(|| {
            DEFAULT_FEATURES
                .iter()
                .map(|feature| (*feature).to_owned())
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(phones: &[&str]) -> Vec<String> {
        phones.iter().map(|p| (*p).to_owned()).collect()
    }

    #[test]
    fn everyone_is_reachable_but_those_marked() {
        let mut reach = Reachability::default();
        assert!(reach.is_reachable("+15550000001"));
        reach.add_unreachable(strings(&["+15550000001"]));
        assert!(!reach.is_reachable("+15550000001"));
        assert!(reach.is_reachable("+15550000002"));
        reach.set_reachable_only(strings(&["+15550000001", "+15550000003"]));
        assert!(
            !reach.is_reachable("+15550000001"),
            "still marked unreachable"
        );
        assert!(!reach.is_reachable("+15550000002"));
        assert!(reach.is_reachable("+15550000003"));
        reach.reset();
        assert!(reach.is_reachable("+15550000001"));
    }

    #[test]
    fn features_default_to_what_google_messages_supports() {
        let mut reach = Reachability::default();
        assert_eq!(reach.features("+1"), strings(DEFAULT_FEATURES));
        reach.set_features("+1".into(), strings(&["RICHCARD_STANDALONE"]));
        assert_eq!(reach.features("+1"), strings(&["RICHCARD_STANDALONE"]));
        assert!(DEFAULT_FEATURES.iter().all(|f| FEATURES.contains(f)));
    }

    #[test]
    fn e164_numbers_are_told_apart() {
        for good in ["+12223334444", "+1", "+358401234567", "+123456789012345"] {
            assert!(is_e164(good), "{good}");
        }
        for bad in [
            "12223334444",
            "+0123",
            "+",
            "+1234567890123456",
            "+1 222",
            "+1\n",
            "",
        ] {
            assert!(!is_e164(bad), "{bad:?}");
        }
    }
}
