//! The fake's routes. Each route is one line of [`route`] (or of [`handle`]
//! for the ones that are not RBM API calls); the resources live in their own
//! modules.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, RETRY_AFTER};
use hyper::{Method, Request, Response};
use serde_json::{Value, json};

use super::answer::Answer;
use super::assertion::{self, Expected};
use super::request::ReadRequest;
use super::state::{Counters, RecordedRequest, State};
use super::{capabilities, files, messages, testers, users};

/// The path of the fake's OAuth token endpoint.
pub(super) const TOKEN_PATH: &str = "/token";

/// The path where the fake lists the API requests it recorded, from the
/// index `after` on: `{"requests": [...], "total": N}`. Not an RBM API path
/// (those begin with `/v1/` or `/upload/v1/`), not recorded itself.
pub(super) const RECORDED_PATH: &str = "/rbm/requests";

/// Where files are uploaded (their bytes, not a URL).
const UPLOAD_PREFIX: &str = "/upload/";

/// The most a request that uploads no file may carry: far above the 250 KB
/// of a message, low enough that nothing can fill the memory.
const MAX_BODY_BYTES: u64 = 32 * 1024 * 1024;

const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub(super) async fn handle(
    state: Arc<State>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if let Some(answer) = super::metadata::answer(&state, &request) {
        return Ok(answer);
    }
    let (parts, body) = request.into_parts();
    let header = |name| {
        parts
            .headers
            .get(name)
            .and_then(|v: &hyper::header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let path = parts.uri.path().to_owned();
    let limit = body_limit(&state, &path);
    let declared = header(CONTENT_LENGTH).and_then(|length| length.parse::<u64>().ok());
    let body = if declared.is_some_and(|length| length > limit) {
        None
    } else {
        Limited::new(body, usize::try_from(limit).unwrap_or(usize::MAX))
            .collect()
            .await
            .ok()
            .map(|collected| collected.to_bytes())
    };
    let request = ReadRequest {
        method: parts.method,
        path,
        query: parts
            .uri
            .query()
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .into_owned()
                    .collect()
            })
            .unwrap_or_default(),
        authorization: header(AUTHORIZATION),
        content_type: header(CONTENT_TYPE),
        body: body.clone().unwrap_or_default(),
    };
    let endpoint = endpoint(&request.method, &request.path);
    let (answer, recorded_body) = match (body.is_some(), endpoint) {
        (_, Endpoint::Recorded) => return Ok(response(&recorded(&state, &request))),
        // Over the limit (or cut short): answered without reading the rest.
        (false, _) => (
            Answer::error(413, &format!("The request is larger than {limit} bytes")),
            None,
        ),
        (true, Endpoint::Token) => {
            let form: serde_json::Map<String, Value> = url::form_urlencoded::parse(&request.body)
                .into_owned()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            (token(&state, &form), Some(Value::Object(form)))
        }
        (true, Endpoint::Api) => {
            let latency = state.latency_ms.load(std::sync::atomic::Ordering::Relaxed);
            if latency > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(latency)).await;
            }
            (api(&state, &request).await, recorded_body(&request))
        }
    };
    if answer.status != 200 {
        Counters::bump(&state.counters.failures);
    }
    let response = response(&answer);
    state.memory().record(
        RecordedRequest {
            method: request.method.to_string(),
            path: request.path,
            query: request.query,
            body: recorded_body,
            authorization: request.authorization,
            status: answer.status,
        },
        endpoint == Endpoint::Token,
    );
    Ok(response)
}

/// What a request is for: the fake's own endpoints first, one line each,
/// then the RBM API (whose methods [`route`] tells apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    /// `GET /rbm/requests`: not recorded.
    Recorded,
    /// The OAuth token endpoint: recorded apart, never rate-limited.
    Token,
    /// An RBM API call.
    Api,
}

fn endpoint(method: &Method, path: &str) -> Endpoint {
    match (method, path) {
        (&Method::GET, RECORDED_PATH) => Endpoint::Recorded,
        (_, TOKEN_PATH) => Endpoint::Token,
        _ => Endpoint::Api,
    }
}

/// The most a request to `path` may carry: an upload may be as large as the
/// file limit allows, base64 and multipart framing included.
fn body_limit(state: &State, path: &str) -> u64 {
    if path.starts_with(UPLOAD_PREFIX) {
        let file = state.memory().files.max_bytes;
        file.saturating_add(file / 3).saturating_add(1024 * 1024)
    } else {
        MAX_BODY_BYTES
    }
}

/// What is recorded of an API request's body: its JSON, or for a file
/// upload the JSON metadata of a multipart body (the bytes are in
/// [`FakeRbmApi::files`](super::FakeRbmApi::files)).
fn recorded_body(request: &ReadRequest) -> Option<Value> {
    if !request.path.starts_with(UPLOAD_PREFIX) {
        return request.json();
    }
    let content_type = request.content_type.as_deref()?;
    let boundary_at = content_type.find("boundary=")?;
    let boundary = content_type[boundary_at + "boundary=".len()..]
        .split(';')
        .next()?
        .trim()
        .trim_matches('"');
    let body = std::str::from_utf8(request.body.get(..64 * 1024).unwrap_or(&request.body))
        .unwrap_or_else(|error| {
            std::str::from_utf8(&request.body[..error.valid_up_to()]).unwrap_or_default()
        });
    let first = body.split(&format!("--{boundary}")).nth(1)?;
    let (_, metadata) = first.split_once("\r\n\r\n")?;
    serde_json::from_str(metadata.trim_end()).ok()
}

fn response(answer: &Answer) -> Response<Full<Bytes>> {
    let mut builder = Response::builder()
        .status(answer.status)
        .header(CONTENT_TYPE, "application/json");
    if let Some(seconds) = answer.retry_after {
        builder = builder.header(RETRY_AFTER, seconds);
    }
    builder
        .body(Full::new(Bytes::from(answer.body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// `GET /rbm/requests?after=N`: the recorded API requests from index `N`.
fn recorded(state: &State, request: &ReadRequest) -> Answer {
    let after = match request.query.iter().find(|(key, _)| key == "after") {
        None => 0,
        Some((_, value)) => match value.parse::<usize>() {
            Ok(after) => after,
            Err(_) => return Answer::invalid("after must be a whole number"),
        },
    };
    let memory = state.memory();
    let requests = memory.requests.get(after..).unwrap_or_default();
    Answer::ok(json!({ "requests": requests, "total": memory.requests.len() }))
}

/// The OAuth token endpoint, one grant type per line.
fn token(state: &State, form: &serde_json::Map<String, Value>) -> Answer {
    Counters::bump(&state.counters.token_requests);
    if let Some(status) = state.memory().token_failures.pop_front() {
        return oauth_error(status, "scripted_failure", "a scripted failure");
    }
    let field = |name: &str| form.get(name).and_then(Value::as_str).unwrap_or("");
    let refreshed = super::user_credentials::grant(&state.user, &mut state.memory(), form);
    if let Some((status, body)) = refreshed {
        return Answer {
            status,
            body,
            retry_after: None,
        };
    }
    match field("grant_type") {
        JWT_BEARER_GRANT => jwt_bearer(state, field("assertion")),
        _ => oauth_error(400, "unsupported_grant_type", "Invalid grant_type"),
    }
}

/// A service account's signed JWT exchanged for an access token.
fn jwt_bearer(state: &State, jwt: &str) -> Answer {
    let expected = Expected {
        public_key_der: &state.public_key_der,
        client_email: &state.client_email,
        token_uri: &state.token_uri,
    };
    if let Err(why) = assertion::check(jwt, &expected) {
        return oauth_error(400, "invalid_grant", &why);
    }
    let (token, lifetime) = state.memory().issue_token();
    Answer::ok(json!({
        "access_token": token,
        "expires_in": lifetime.as_secs(),
        "token_type": "Bearer",
    }))
}

/// The RBM API: scripted failures, then the bearer token, then the quota,
/// then the route.
async fn api(state: &State, request: &ReadRequest) -> Answer {
    Counters::bump(&state.counters.requests);
    {
        let mut memory = state.memory();
        if let Some(status) = memory.api_failures.pop_front().or(memory.api_failing) {
            return Answer::error(status, "a scripted failure");
        }
        if !memory.authorized(request.authorization.as_deref()) {
            return Answer::error(401, "Request had invalid authentication credentials.");
        }
        if let Some(limit) = memory.rate_limit.as_mut()
            && let Err(retry_after) = limit.admit(Instant::now())
        {
            Counters::bump(&state.counters.rate_limited);
            return Answer::exhausted(
                "Quota exceeded: too many requests in the rate limit's window",
                Some(retry_after),
            );
        }
    }
    route(state, request).await
}

/// One line per RBM API method.
#[rustfmt::skip]
async fn route(state: &State, request: &ReadRequest) -> Answer {
    // Google decodes the path: `%2B1222…` is the number `+1222…`.
    let Some(decoded) = decoded_segments(&request.path) else {
        return Answer::invalid("The request path is not valid UTF-8");
    };
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    match (&request.method, segments.as_slice()) {
        (&Method::GET, ["v1", "phones", phone, "capabilities"]) => capabilities::get(state, request, phone),
        (&Method::POST, ["v1", "phones", phone, "agentMessages"]) => messages::create(state, request, phone),
        (&Method::DELETE, ["v1", "phones", phone, "agentMessages", id]) => messages::revoke(state, request, phone, id),
        (&Method::POST, ["v1", "phones", phone, "agentEvents"]) => messages::event(state, request, phone),
        (&Method::POST, ["v1", "phones", phone, "testers"]) => testers::create(state, request, phone),
        (&Method::POST, ["v1", "users:batchGet"]) => users::batch_get(state, request),
        (&Method::POST, ["v1", "files"]) => files::create(state, request),
        (&Method::POST, ["upload", "v1", "files"]) => files::upload(state, request).await,
        _ => Answer::error(404, "Unknown method"),
    }
}

/// The path's segments, percent-decoded; `None` when one is not UTF-8.
fn decoded_segments(path: &str) -> Option<Vec<String>> {
    path.trim_start_matches('/')
        .split('/')
        .map(|segment| {
            percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .ok()
                .map(|decoded| decoded.into_owned())
        })
        .collect()
}

/// An OAuth error.
fn oauth_error(status: u16, error: &str, description: &str) -> Answer {
    Answer {
        status,
        body: json!({"error": error, "error_description": description}),
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fake_api::answer::google_error;

    #[test]
    fn a_multipart_uploads_metadata_is_what_gets_recorded() {
        let request = |content_type: &str, body: &'static [u8]| ReadRequest {
            method: Method::POST,
            path: "/upload/v1/files".into(),
            query: vec![("uploadType".into(), "multipart".into())],
            authorization: None,
            content_type: Some(content_type.into()),
            body: Bytes::from_static(body),
        };
        let body = b"--b1\r\nContent-Type: application/json\r\n\r\n{\"agentId\":\"a\"}\r\n--b1\r\nContent-Type: image/png\r\n\r\n\x89PNG\xff\r\n--b1--";
        assert_eq!(
            recorded_body(&request("multipart/related; boundary=b1", body)),
            Some(json!({"agentId": "a"}))
        );
        assert_eq!(
            recorded_body(&request("multipart/related; boundary=\"b1\"", body)),
            Some(json!({"agentId": "a"}))
        );
        assert_eq!(recorded_body(&request("image/png", b"\x89PNG")), None);
        assert_eq!(
            recorded_body(&request("multipart/related; boundary=zz", body)),
            None
        );
    }

    #[test]
    fn path_segments_are_percent_decoded() {
        assert_eq!(
            decoded_segments("/v1/phones/%2B12223334444/capabilities"),
            Some(vec![
                "v1".into(),
                "phones".into(),
                "+12223334444".into(),
                "capabilities".into()
            ])
        );
        assert_eq!(decoded_segments("/v1/phones/%FF/testers"), None);
    }

    #[test]
    fn google_errors_and_oauth_errors_differ() {
        assert_eq!(
            oauth_error(400, "invalid_grant", "why").body,
            json!({"error": "invalid_grant", "error_description": "why"})
        );
        assert_eq!(google_error(404, "x")["error"]["status"], "NOT_FOUND");
    }
}
