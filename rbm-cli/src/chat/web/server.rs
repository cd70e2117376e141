//! The page's HTTP server on 127.0.0.1: the page, its live stream, what the
//! page asks for, and the files the conversation shows.
//!
//! | request | answer |
//! | --- | --- |
//! | `GET /`, `/app.css`, `/app.js` | the page's files |
//! | `GET /events` | the conversation as Server-Sent Events |
//! | `POST /api/send` (JSON, see [`Command`]) | the exchange; 400 when the JSON is wrong, 503 while the bot starts |
//! | `POST /api/upload?user=N&name=F` (the file as the body) | the exchange; 413 over 100 MiB |
//! | `GET /user-files/ID/NAME` | a file the person sent |
//! | `GET /rbm-files/files/ID` | a file the bot uploaded to the fake API (its bytes, or a redirect to its URL) |
//!
//! Anything else is 404 (405 for a known path with another method). A
//! `Host` other than this address is 403 (a page elsewhere cannot reach this
//! one through DNS rebinding), and so is a `POST` from another origin.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited, StreamBody};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use rbm_runtime::testing::fake_api::FileContent;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::assets;
use super::page::{Command, Page, Refusal};
use super::sse;
use super::user_files::{self, UserFile};

/// A response body: a whole one, or the live stream.
type Body = BoxBody<Bytes, Infallible>;

/// The largest `/api/send` body.
const MAX_COMMAND_BYTES: usize = 64 * 1024;

/// Serves `page` on `listener` until `stop` turns true (or its sender is
/// dropped); returns once every connection has ended.
pub(super) async fn serve(listener: TcpListener, page: Arc<Page>, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let page = Arc::clone(&page);
                let service = service_fn(move |request| {
                    let page = Arc::clone(&page);
                    async move { Ok::<_, Infallible>(route(&page, request).await) }
                });
                connections.spawn(async move {
                    // A browser that goes away mid-request is no error of ours.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            // Finished connections are reaped as they end.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            changed = stop.wait_for(|stop| *stop) => {
                let _ = changed;
                break;
            }
        }
    }
    drop(listener);
    // Live streams never end by themselves: every connection is ended.
    connections.shutdown().await;
}

/// Answers one request.
async fn route(page: &Page, request: Request<Incoming>) -> Response<Body> {
    if let Some(refused) = foreign(page, &request) {
        return refused;
    }
    let path = request.uri().path().to_owned();
    let method = request.method().clone();
    if let Some(asset) = assets::find(&path) {
        return match method {
            Method::GET | Method::HEAD => {
                let mut response = whole(StatusCode::OK, asset.content_type, asset.body);
                set(&mut response, header::CACHE_CONTROL, "no-cache");
                response
            }
            _ => not_allowed("GET"),
        };
    }
    match (path.as_str(), method) {
        ("/events", Method::GET) => events(page, &request),
        ("/api/send", Method::POST) => send(page, request).await,
        ("/api/upload", Method::POST) => upload(page, request).await,
        ("/events", _) => not_allowed("GET"),
        ("/api/send" | "/api/upload", _) => not_allowed("POST"),
        (path, Method::GET) if path.starts_with("/user-files/") => user_file(page, path),
        (path, Method::GET) if path.starts_with("/rbm-files/") => rbm_file(page, path),
        _ => plain(StatusCode::NOT_FOUND, "not found"),
    }
}

/// A 403 for a request that does not come from this page: another `Host`
/// (DNS rebinding), or a `POST` from another origin.
fn foreign(page: &Page, request: &Request<Incoming>) -> Option<Response<Body>> {
    let port = page.origin.rsplit(':').next().unwrap_or_default();
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let known_host = [format!("127.0.0.1:{port}"), format!("localhost:{port}")]
        .iter()
        .any(|known| known == host);
    if !known_host {
        return Some(plain(
            StatusCode::FORBIDDEN,
            "this page answers on 127.0.0.1 only",
        ));
    }
    let origin = request
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok());
    let same_origin = origin
        .is_none_or(|origin| origin == page.origin || origin == format!("http://localhost:{port}"));
    if request.method() == Method::POST && !same_origin {
        return Some(plain(
            StatusCode::FORBIDDEN,
            "only the page itself may post here",
        ));
    }
    None
}

/// `GET /events`: the live stream.
fn events(page: &Page, request: &Request<Incoming>) -> Response<Body> {
    let last_seen = request
        .headers()
        .get("last-event-id")
        .and_then(|id| id.to_str().ok());
    let stream = sse::stream(
        Arc::clone(&page.hub),
        &page.hello(),
        sse::last_seen(last_seen),
    );
    let mut response = Response::new(StreamBody::new(stream).boxed());
    set(&mut response, header::CONTENT_TYPE, "text/event-stream");
    set(&mut response, header::CACHE_CONTROL, "no-cache");
    response
}

/// `POST /api/send`: a JSON [`Command`].
async fn send(page: &Page, request: Request<Incoming>) -> Response<Body> {
    let is_json = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !is_json {
        return plain(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send JSON (Content-Type: application/json)",
        );
    }
    let body = match read_body(request, MAX_COMMAND_BYTES).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let command: Command = match serde_json::from_slice(&body) {
        Ok(command) => command,
        Err(error) => return refused(&Refusal::Invalid(format!("not a command: {error}"))),
    };
    answer(page.act(command).await)
}

/// `POST /api/upload?user=N&name=F`: the body is the file, its type the
/// `Content-Type` (else guessed from the name).
async fn upload(page: &Page, request: Request<Incoming>) -> Response<Body> {
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let user = match param("user").map(|u| u.parse::<usize>()) {
        None => 0,
        Some(Ok(user)) => user,
        Some(Err(_)) => return refused(&Refusal::Invalid("user=N: a number".into())),
    };
    let name = user_files::clean_name(&param("name").unwrap_or_default());
    let mime = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .map(|t| t.split(';').next().unwrap_or_default().trim().to_owned())
        .filter(|t| !t.is_empty() && t.contains('/'))
        .unwrap_or_else(|| {
            mime_guess::from_path(&name)
                .first_or_octet_stream()
                .essence_str()
                .to_owned()
        });
    let bytes = match read_body(request, user_files::MAX_BYTES).await {
        Ok(bytes) => bytes,
        Err(response) => return response,
    };
    answer(page.send_file(user, UserFile { name, mime, bytes }).await)
}

/// `GET /user-files/ID/NAME`.
fn user_file(page: &Page, path: &str) -> Response<Body> {
    let id = path
        .trim_start_matches("/user-files/")
        .split('/')
        .next()
        .unwrap_or_default();
    match page.files.get(id) {
        Some(file) => bytes_of(&file.mime, file.bytes),
        None => plain(StatusCode::NOT_FOUND, "no such file"),
    }
}

/// `GET /rbm-files/files/ID`: a file the bot created in the fake API.
fn rbm_file(page: &Page, path: &str) -> Response<Body> {
    let name = path.trim_start_matches("/rbm-files/");
    let file = page
        .engine
        .api()
        .files()
        .into_iter()
        .find(|file| file.name == name);
    match file.map(|file| file.content) {
        Some(FileContent::Uploaded {
            content_type,
            bytes,
            ..
        }) => bytes_of(&content_type, bytes),
        Some(FileContent::Url(url))
            if url.starts_with("http://") || url.starts_with("https://") =>
        {
            let mut response = plain(StatusCode::FOUND, "");
            match HeaderValue::from_str(&url) {
                Ok(location) => {
                    response.headers_mut().insert(header::LOCATION, location);
                    response
                }
                Err(_) => plain(StatusCode::NOT_FOUND, "no such file"),
            }
        }
        _ => plain(StatusCode::NOT_FOUND, "no such file"),
    }
}

/// The body, at most `limit` bytes; else the response to give (413, 400).
async fn read_body(request: Request<Incoming>, limit: usize) -> Result<Bytes, Response<Body>> {
    match Limited::new(request.into_body(), limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => Err(plain(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("at most {limit} bytes"),
        )),
        Err(_) => Err(plain(StatusCode::BAD_REQUEST, "the body could not be read")),
    }
}

/// The exchange as JSON, or why there was none.
fn answer(result: Result<Value, Refusal>) -> Response<Body> {
    match result {
        Ok(exchange) => json_response(StatusCode::OK, &exchange),
        Err(refusal) => refused(&refusal),
    }
}

fn refused(refusal: &Refusal) -> Response<Body> {
    let status = match refusal {
        Refusal::Invalid(_) => StatusCode::BAD_REQUEST,
        Refusal::NotReady | Refusal::BotGone(_) => StatusCode::SERVICE_UNAVAILABLE,
    };
    json_response(status, &json!({"error": refusal.to_string()}))
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    whole(status, "application/json", value.to_string())
}

fn bytes_of(content_type: &str, bytes: Bytes) -> Response<Body> {
    let mut response = Response::new(Full::new(bytes).boxed());
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    response
}

fn plain(status: StatusCode, text: &str) -> Response<Body> {
    whole(status, "text/plain; charset=utf-8", text.to_owned())
}

fn not_allowed(allow: &'static str) -> Response<Body> {
    let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    set(&mut response, header::ALLOW, allow);
    response
}

fn whole(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()).boxed());
    *response.status_mut() = status;
    set(&mut response, header::CONTENT_TYPE, content_type);
    response
}

fn set(response: &mut Response<Body>, name: header::HeaderName, value: &'static str) {
    response
        .headers_mut()
        .insert(name, HeaderValue::from_static(value));
}
