//! `users.batchGet`: which of up to 10,000 numbers RBM reaches, and a
//! sample-based estimate of the list's reach.

use std::collections::HashSet;

use serde_json::{Value, json};

use super::answer::Answer;
use super::reachability::{Reachability, is_e164};
use super::request::ReadRequest;
use super::state::{Counters, State};

/// The most numbers one call may ask about.
pub const MAX_USERS_PER_CALL: usize = 10_000;

/// Below this many numbers Google draws no sample (both counts are 0).
const MIN_SAMPLED: usize = 500;

/// `POST /v1/users:batchGet`, body `{"users": [...], "agentId": "…"}`.
pub(super) fn batch_get(state: &State, request: &ReadRequest) -> Answer {
    let Some(body) = request.json().filter(Value::is_object) else {
        return Answer::invalid("The request body must be a JSON object");
    };
    if request.agent_id(Some(&body)).is_none() {
        return Answer::no_agent();
    }
    let users: Vec<&str> = match body.get("users") {
        None => Vec::new(),
        Some(Value::Array(users)) => match users.iter().map(Value::as_str).collect() {
            Some(users) => users,
            None => return Answer::invalid("users must be a list of phone numbers"),
        },
        Some(_) => return Answer::invalid("users must be a list of phone numbers"),
    };
    if users.len() > MAX_USERS_PER_CALL {
        return Answer::invalid(&format!(
            "At most {MAX_USERS_PER_CALL} users per call, not {}",
            users.len()
        ));
    }
    if let Some(bad) = users.iter().position(|user| !is_e164(user)) {
        return Answer::invalid(&format!("users[{bad}] is not an E.164 phone number"));
    }
    Counters::bump(&state.counters.user_batches);
    Answer::ok(reach_of(&state.memory().reach, &users))
}

/// The answer for `users`: the reachable ones (each once, in request
/// order), and the sample counts.
fn reach_of(reach: &Reachability, users: &[&str]) -> Value {
    let mut seen = HashSet::new();
    let distinct: Vec<&str> = users.iter().copied().filter(|u| seen.insert(*u)).collect();
    let reachable: Vec<&str> = distinct
        .iter()
        .copied()
        .filter(|user| reach.is_reachable(user))
        .collect();
    let (sampled, reachable_sampled) = if users.len() < MIN_SAMPLED {
        (0, 0)
    } else {
        let sample: Vec<&str> = distinct.into_iter().filter(|u| in_sample(u)).collect();
        let reachable = sample.iter().filter(|u| reach.is_reachable(u)).count();
        (sample.len(), reachable)
    };
    json!({
        "reachableUsers": reachable,
        "totalRandomSampleUserCount": sampled,
        "reachableRandomSampleUserCount": reachable_sampled,
    })
}

/// Google samples about 75% of the numbers at random; the fake picks the
/// same 75% every time, by a hash of the number.
fn in_sample(user: &str) -> bool {
    !xxhash_rust::xxh3::xxh3_64(user.as_bytes()).is_multiple_of(4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("+1555{i:07}")).collect()
    }

    #[test]
    fn small_lists_get_no_sample() {
        let reach = Reachability::default();
        let users = ["+15550000001", "+15550000002", "+15550000001"];
        assert_eq!(
            reach_of(&reach, &users),
            json!({
                "reachableUsers": ["+15550000001", "+15550000002"],
                "totalRandomSampleUserCount": 0,
                "reachableRandomSampleUserCount": 0,
            })
        );
    }

    #[test]
    fn large_lists_sample_about_three_quarters_the_same_way_each_time() {
        let users = numbers(4000);
        let users: Vec<&str> = users.iter().map(String::as_str).collect();
        let mut reach = Reachability::default();
        reach.add_unreachable(users[..1000].iter().map(|u| (*u).to_owned()));
        let answer = reach_of(&reach, &users);
        assert_eq!(
            answer["reachableUsers"].as_array().map(Vec::len),
            Some(3000)
        );
        let total = answer["totalRandomSampleUserCount"].as_u64().unwrap_or(0);
        let reachable = answer["reachableRandomSampleUserCount"]
            .as_u64()
            .unwrap_or(0);
        assert!((2800..=3200).contains(&total), "{total}");
        // A quarter of the list is unreachable: about a quarter of the sample.
        let share = reachable as f64 / total as f64;
        assert!((0.70..=0.80).contains(&share), "{share}");
        assert_eq!(reach_of(&reach, &users), answer);
    }
}
