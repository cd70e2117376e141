//! `phones.testers.create`: invites a user to test an agent. Google lets an
//! agent send 20 invites a day and 200 in all, and answers an invite again
//! with the tester's current status.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::answer::Answer;
use super::reachability::is_e164;
use super::request::ReadRequest;
use super::state::{Counters, State, now};

/// Google's invites per agent and day.
pub const DEFAULT_INVITES_PER_DAY: u32 = 20;
/// Google's invites per agent in all.
pub const DEFAULT_INVITES_IN_ALL: u32 = 200;

/// Where an invite stands (`Tester.InviteStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InviteStatus {
    /// Not answered yet.
    Pending,
    /// The user accepted: a tester.
    Accepted,
    /// The user declined.
    Declined,
}

impl InviteStatus {
    /// The enum value on the wire (`PENDING`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Accepted => "ACCEPTED",
            Self::Declined => "DECLINED",
        }
    }
}

/// A user an agent invited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTester {
    /// The inviting agent.
    pub agent_id: String,
    /// The user's number, E.164.
    pub phone_number: String,
    /// Where the invite stands.
    pub status: InviteStatus,
}

/// Invites, and how many each agent sent.
#[derive(Debug)]
pub(super) struct Testers {
    pub(super) all: Vec<FakeTester>,
    pub(super) per_day: u32,
    pub(super) in_all: u32,
    sent_on: HashMap<(String, NaiveDate), u32>,
    sent: HashMap<String, u32>,
}

impl Default for Testers {
    fn default() -> Self {
        Self {
            all: Vec::new(),
            per_day: DEFAULT_INVITES_PER_DAY,
            in_all: DEFAULT_INVITES_IN_ALL,
            sent_on: HashMap::new(),
            sent: HashMap::new(),
        }
    }
}

impl Testers {
    fn find_mut(&mut self, agent_id: &str, phone: &str) -> Option<&mut FakeTester> {
        self.all
            .iter_mut()
            .find(|t| t.agent_id == agent_id && t.phone_number == phone)
    }

    /// Sets the status of an invite; false when there is none.
    pub(super) fn set_status(&mut self, agent_id: &str, phone: &str, status: InviteStatus) -> bool {
        self.find_mut(agent_id, phone)
            .map(|tester| tester.status = status)
            .is_some()
    }

    /// An invite from `agent_id` to `phone` on `day`: the tester's status,
    /// or the limit it would break.
    fn invite(
        &mut self,
        agent_id: &str,
        phone: &str,
        day: NaiveDate,
    ) -> Result<InviteStatus, &'static str> {
        if let Some(tester) = self.find_mut(agent_id, phone) {
            return Ok(tester.status);
        }
        let today = self
            .sent_on
            .get(&(agent_id.to_owned(), day))
            .copied()
            .unwrap_or(0);
        if today >= self.per_day {
            return Err("The agent has sent its tester invites for today");
        }
        if self.sent.get(agent_id).copied().unwrap_or(0) >= self.in_all {
            return Err("The agent has sent all the tester invites it may send");
        }
        *self.sent_on.entry((agent_id.to_owned(), day)).or_default() += 1;
        *self.sent.entry(agent_id.to_owned()).or_default() += 1;
        self.all.push(FakeTester {
            agent_id: agent_id.to_owned(),
            phone_number: phone.to_owned(),
            status: InviteStatus::Pending,
        });
        Ok(InviteStatus::Pending)
    }
}

/// `POST /v1/phones/{phone}/testers?agentId=…`, body `{}` or a `Tester`.
pub(super) fn create(state: &State, request: &ReadRequest, phone: &str) -> Answer {
    if !is_e164(phone) {
        return Answer::invalid("The phone number must be in E.164 format");
    }
    let Some(agent_id) = request.query("agentId") else {
        return Answer::no_agent();
    };
    // `name` and `inviteStatus` are set by the platform: ignored if sent.
    if !request.body.is_empty() && !request.json().is_some_and(|b| b.is_object()) {
        return Answer::invalid("The request body must be a Tester object");
    }
    let mut memory = state.memory();
    if !memory.reach.is_reachable(phone) {
        return Answer::unreachable();
    }
    match memory.testers.invite(agent_id, phone, now().date_naive()) {
        Ok(status) => {
            Counters::bump(&state.counters.tester_invites);
            Answer::ok(tester_json(phone, status))
        }
        Err(why) => {
            Counters::bump(&state.counters.rate_limited);
            Answer::exhausted(why, None)
        }
    }
}

fn tester_json(phone: &str, status: InviteStatus) -> Value {
    json!({"name": format!("phones/{phone}/testers"), "inviteStatus": status.as_str()})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 3, d).expect("a date")
    }

    #[test]
    fn invites_are_limited_per_day_and_in_all() {
        let mut testers = Testers {
            per_day: 2,
            in_all: 3,
            ..Testers::default()
        };
        assert_eq!(testers.invite("a", "+1", day(1)), Ok(InviteStatus::Pending));
        assert_eq!(testers.invite("a", "+2", day(1)), Ok(InviteStatus::Pending));
        assert!(testers.invite("a", "+3", day(1)).is_err(), "third today");
        // Another agent has its own count.
        assert_eq!(testers.invite("b", "+3", day(1)), Ok(InviteStatus::Pending));
        assert_eq!(testers.invite("a", "+3", day(2)), Ok(InviteStatus::Pending));
        assert!(testers.invite("a", "+4", day(3)).is_err(), "fourth in all");
    }

    #[test]
    fn inviting_again_answers_the_current_status_and_costs_nothing() {
        let mut testers = Testers {
            per_day: 1,
            ..Testers::default()
        };
        assert_eq!(testers.invite("a", "+1", day(1)), Ok(InviteStatus::Pending));
        assert!(testers.set_status("a", "+1", InviteStatus::Accepted));
        assert!(!testers.set_status("a", "+2", InviteStatus::Accepted));
        assert!(!testers.set_status("b", "+1", InviteStatus::Accepted));
        assert_eq!(
            testers.invite("a", "+1", day(1)),
            Ok(InviteStatus::Accepted)
        );
        assert_eq!(testers.all.len(), 1);
        assert_eq!(
            tester_json("+1", InviteStatus::Declined),
            json!({"name": "phones/+1/testers", "inviteStatus": "DECLINED"})
        );
    }
}
