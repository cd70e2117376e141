//! An RBM API failure as one line that says what it means and what to do.

use rbm_runtime::api::{ApiError, TokenError};

use crate::inbox::one_line;

/// What `error` means for the person at the terminal. What the API said is
/// kept, escaped: it comes from the network.
pub(crate) fn describe(error: &ApiError) -> String {
    match error {
        ApiError::Rejected {
            status: 404,
            message,
        } => format!(
            "not reachable (404): the number has no RCS, RCS is off, or the agent is not launched on its carrier and the number is not a tester ({})",
            one_line(message)
        ),
        ApiError::Rejected {
            status: 403,
            message,
        } => format!(
            "permission denied (403): the number is not a tester of this unlaunched agent, or the credentials may not act for this agent (--agent-id, RBM_AGENT_ID) ({})",
            one_line(message)
        ),
        ApiError::Rejected {
            status: 401,
            message,
        }
        | ApiError::Unauthenticated(message) => format!(
            "not authorised (401): the RBM API refuses the credentials' access tokens; does the service account have access to the RBM API? ({})",
            one_line(message)
        ),
        ApiError::Rejected {
            status: 400,
            message,
        } => format!("invalid input (400): {}", one_line(message)),
        ApiError::Rejected { status, message } => {
            format!("refused by the RBM API ({status}): {}", one_line(message))
        }
        ApiError::Unavailable {
            status: Some(429),
            retry_after,
            message,
            ..
        } => {
            let wait = retry_after
                .map(|wait| format!("; it asks to wait {} s", wait.as_secs().max(1)))
                .unwrap_or_default();
            format!(
                "quota exceeded (429): the project's RBM API quota is used up{wait} ({})",
                one_line(message)
            )
        }
        ApiError::Token(TokenError::Rejected { status, .. }) if matches!(status, 401 | 403) => {
            format!(
                "permission denied ({status} on the access token): the credentials were refused; check GOOGLE_APPLICATION_CREDENTIALS ({})",
                one_line(&error.to_string())
            )
        }
        ApiError::InvalidRequest(reason) => format!("invalid input: {}", one_line(reason)),
        ApiError::InvalidReply(reason) => format!("invalid message: {reason}"),
        _ => one_line(&error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn rejected(status: u16) -> ApiError {
        ApiError::Rejected {
            status,
            message: "NOT_FOUND: gone\n\u{1b}[31m".to_owned(),
        }
    }

    #[test]
    fn each_failure_says_what_it_means_on_one_line() {
        let cases = [
            (rejected(404), "not reachable (404)"),
            (rejected(403), "permission denied (403)"),
            (rejected(401), "not authorised (401)"),
            (rejected(400), "invalid input (400)"),
            (rejected(409), "refused by the RBM API (409)"),
            (
                ApiError::Unavailable {
                    attempts: 3,
                    message: "RESOURCE_EXHAUSTED".to_owned(),
                    status: Some(429),
                    retry_after: Some(Duration::from_secs(7)),
                },
                "quota exceeded (429): the project's RBM API quota is used up; it asks to wait 7 s",
            ),
            (
                ApiError::InvalidRequest("bad number".to_owned()),
                "invalid input: bad number",
            ),
        ];
        for (error, start) in cases {
            let shown = describe(&error);
            assert!(shown.starts_with(start), "{shown}");
            assert!(
                !shown.contains('\n') && !shown.contains('\u{1b}'),
                "{shown}"
            );
        }
    }
}
