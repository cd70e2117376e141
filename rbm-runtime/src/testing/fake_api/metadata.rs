//! The fake's metadata server route: `GET /computeMetadata/v1/instance/
//! service-accounts/default/token`, what Cloud Run, GKE and Compute Engine
//! serve at `169.254.169.254`. Point `GCE_METADATA_HOST` at the fake's
//! address to use it.

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::CONTENT_TYPE;
use hyper::{Method, Request, Response};
use serde_json::json;

use super::state::{Counters, RecordedRequest, State};
use crate::api::RBM_SCOPE;

/// Every path of the metadata server begins so.
const METADATA_PREFIX: &str = "/computeMetadata/";
/// The default service account's access tokens.
const TOKEN_PATH: &str = "/computeMetadata/v1/instance/service-accounts/default/token";

/// The answer to a metadata server request, `None` for any other path.
///
/// Like Google's: `403` without `Metadata-Flavor: Google`, `404` for what
/// it does not serve, `400` for a token whose `scopes` leave out the RBM
/// API's (a fake's simplification: the real server grants any scope, and
/// the API refuses it later). Token requests are counted and recorded with
/// the token endpoint's.
pub(super) fn answer<B>(state: &State, request: &Request<B>) -> Option<Response<Full<Bytes>>> {
    let path = request.uri().path();
    if !path.starts_with(METADATA_PREFIX) {
        return None;
    }
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let flavored = request
        .headers()
        .get("metadata-flavor")
        .is_some_and(|value| value == "Google");
    Counters::bump(&state.counters.token_requests);
    let mut memory = state.memory();
    let (status, body) = if !flavored {
        (
            403,
            text("Missing required header \"Metadata-Flavor\": \"Google\"\n"),
        )
    } else if let Some(status) = memory.token_failures.pop_front() {
        (status, text("a scripted failure\n"))
    } else if request.method() != Method::GET || path != TOKEN_PATH {
        (404, text("Not Found\n"))
    } else if !scopes_include_rbm(&query) {
        (400, text("the scopes do not include the RBM API's\n"))
    } else {
        let (token, lifetime) = memory.issue_token();
        let answer = json!({
            "access_token": token,
            "expires_in": lifetime.as_secs(),
            "token_type": "Bearer",
        });
        (200, (answer.to_string(), "application/json"))
    };
    if status != 200 {
        Counters::bump(&state.counters.failures);
    }
    memory.record(
        RecordedRequest {
            method: request.method().to_string(),
            path: path.to_owned(),
            query,
            body: None,
            authorization: None,
            status,
        },
        true,
    );
    let (body, content_type) = body;
    let response = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, content_type)
        .header("Metadata-Flavor", "Google")
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())));
    Some(response)
}

/// Whether `scopes` (comma-separated), when given, include the RBM API's;
/// without it the server's default scopes are used, which the fake takes
/// to include it.
fn scopes_include_rbm(query: &[(String, String)]) -> bool {
    match query.iter().find(|(key, _)| key == "scopes") {
        None => true,
        Some((_, scopes)) => scopes.split(',').any(|scope| scope.trim() == RBM_SCOPE),
    }
}

fn text(message: &str) -> (String, &'static str) {
    (message.to_owned(), "text/plain; charset=utf-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(scopes: &str) -> Vec<(String, String)> {
        vec![("scopes".to_owned(), scopes.to_owned())]
    }

    #[test]
    fn the_rbm_scope_must_be_among_those_asked() {
        assert!(scopes_include_rbm(&[]));
        assert!(scopes_include_rbm(&query(RBM_SCOPE)));
        let both = format!("https://www.googleapis.com/auth/cloud-platform,{RBM_SCOPE}");
        assert!(scopes_include_rbm(&query(&both)));
        assert!(!scopes_include_rbm(&query(
            "https://www.googleapis.com/auth/cloud-platform"
        )));
    }
}
