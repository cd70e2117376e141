//! `phones.testers.create`: inviting a tester while the agent is not launched.

use reqwest::Method;
use serde::Deserialize;

use super::call::Call;
use super::client::RbmApiClient;
use super::error::ApiError;

/// Where an invitation to test the agent stands.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
#[non_exhaustive]
pub enum InviteStatus {
    /// The user has not answered yet.
    Pending,
    /// The user is a tester.
    Accepted,
    /// The user declined.
    Declined,
    /// A status this version does not know, by its API name.
    Other(String),
}

impl From<String> for InviteStatus {
    fn from(name: String) -> Self {
        match name.as_str() {
            "PENDING" => Self::Pending,
            "ACCEPTED" => Self::Accepted,
            "DECLINED" => Self::Declined,
            _ => Self::Other(name),
        }
    }
}

impl InviteStatus {
    /// The API's name of the status.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "PENDING",
            Self::Accepted => "ACCEPTED",
            Self::Declined => "DECLINED",
            Self::Other(name) => name,
        }
    }
}

/// A tester of the agent, as the API answers an invitation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Tester {
    /// `phones/{E.164}/testers`.
    #[serde(default)]
    pub name: Option<String>,
    /// The invitation's status.
    pub invite_status: InviteStatus,
}

impl RbmApiClient {
    /// Invites `phone` to test the client's agent (`phones.testers.create`):
    /// the user gets a message from Google asking to confirm. Inviting
    /// again answers the current status, so a retry is harmless. Google
    /// limits invitations per day (`429`, a [`ApiError::Unavailable`]
    /// whose [`quota_exceeded`](ApiError::quota_exceeded) is set); a number
    /// without RCS is refused (`404`).
    pub async fn invite_tester(&self, phone: &str) -> Result<Tester, ApiError> {
        let agent_id = self.agent_id(None)?;
        let url = self
            .inner
            .endpoint
            .phone_url(phone, &["testers"], &[("agentId", agent_id)])?;
        let call = Call::new("phones.testers.create", Method::POST, url)
            .json(b"{}".to_vec())
            .about(phone);
        let answer = self.call(call).await?;
        serde_json::from_slice(&answer).map_err(|error| ApiError::UnexpectedAnswer {
            call: "phones.testers.create",
            reason: error.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_invitation_status() {
        let tester: Tester = serde_json::from_str(
            r#"{"name": "phones/+12223334444/testers", "inviteStatus": "PENDING"}"#,
        )
        .expect("parses");
        assert_eq!(tester.invite_status, InviteStatus::Pending);
        let odd: Tester = serde_json::from_str(r#"{"inviteStatus": "INVITE_STATUS_UNSPECIFIED"}"#)
            .expect("parses");
        assert_eq!(odd.invite_status.as_str(), "INVITE_STATUS_UNSPECIFIED");
    }
}
