//! The `otel` feature end to end: the `inbox_echo` example as a server
//! process, told by `OTEL_EXPORTER_OTLP_ENDPOINT` to export to a collector
//! played here over OTLP/HTTP (JSON), sends one trace per delivery: its
//! `rbm.receive` span, the `rbm.handle` span under it and an `rbm.send`
//! span for the reply, in inline mode and in inbox mode (where handling
//! runs after the request has been answered).

mod support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rbm_runtime::testing::fake_api::FakeRbmApi;
use serde_json::Value;
use support::{TOKEN, example, text_message};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;

/// The collector: every span of every OTLP/HTTP JSON export it received.
#[derive(Clone, Default)]
struct Collector {
    spans: Arc<Mutex<Vec<Value>>>,
}

impl Collector {
    /// Serves `POST /v1/traces` on a free port of 127.0.0.1.
    async fn start(&self) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the collector");
        let address = listener.local_addr().expect("its address");
        let collector = self.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let collector = collector.clone();
                let service = hyper::service::service_fn(move |request| {
                    let collector = collector.clone();
                    async move { Ok::<_, hyper::Error>(collector.receive(request).await) }
                });
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        address
    }

    /// Keeps the spans of one export; `{}` is OTLP's answer to a full success.
    async fn receive(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let answer = |status, body: &'static str| {
            let mut response = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
            *response.status_mut() = status;
            response
        };
        if request.method() != hyper::Method::POST || request.uri().path() != "/v1/traces" {
            return answer(StatusCode::NOT_FOUND, "");
        }
        let Ok(body) = request.into_body().collect().await else {
            return answer(StatusCode::BAD_REQUEST, "");
        };
        let Ok(export) = serde_json::from_slice::<Value>(&body.to_bytes()) else {
            return answer(StatusCode::BAD_REQUEST, "");
        };
        let mut spans = self.spans.lock().expect("spans");
        for resource in export["resourceSpans"].as_array().into_iter().flatten() {
            for scope in resource["scopeSpans"].as_array().into_iter().flatten() {
                spans.extend(scope["spans"].as_array().into_iter().flatten().cloned());
            }
        }
        let mut response = answer(StatusCode::OK, "{}");
        response.headers_mut().insert(
            hyper::header::CONTENT_TYPE,
            hyper::header::HeaderValue::from_static("application/json"),
        );
        response
    }

    fn spans(&self) -> Vec<Value> {
        self.spans.lock().expect("spans").clone()
    }
}

struct Bot {
    child: Child,
}

impl Bot {
    fn start(dir: &Path, api: &FakeRbmApi, collector: SocketAddr, mode: &str, port: u16) -> Bot {
        let key = dir.join("key.json");
        api.write_key_file(&key).expect("key file");
        let log = std::fs::File::create(dir.join(format!("{mode}.log"))).expect("log file");
        let child = Command::new(example("inbox_echo"))
            .env_clear()
            .env("RUST_LOG", "info")
            .env("RBM_CLIENT_TOKEN", TOKEN)
            .env("BIND", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("RBM_DELIVERY", mode)
            .env(
                "RBM_STORE",
                format!("sqlite://{}", dir.join(format!("{mode}.sqlite3")).display()),
            )
            .env("RBM_API_BASE_URL", api.base_url())
            .env("GOOGLE_APPLICATION_CREDENTIALS", &key)
            .env("OTEL_EXPORTER_OTLP_ENDPOINT", format!("http://{collector}"))
            .env("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")
            .env("OTEL_SERVICE_NAME", "otel-test-bot")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start the example");
        Bot { child }
    }

    /// Stops it as a platform does (SIGTERM), so it sends its last spans.
    fn stop(mut self) {
        let pid = self.child.id().to_string();
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill");
        let _ = self.child.wait();
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Runs the bot in `mode`, sends two users' messages, waits for both
/// replies, stops it, and returns the spans the collector received.
async fn spans_of_two_deliveries(mode: &str) -> (Vec<Value>, String) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let api = FakeRbmApi::start().await.expect("the fake API");
    let collector = Collector::default();
    let collector_address = collector.start().await;
    let port = free_port();
    let bot = Bot::start(dir.path(), &api, collector_address, mode, port);
    let client = support::client();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !client
        .get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == 200)
    {
        assert!(Instant::now() < deadline, "the bot did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (n, phone) in ["+15550001111", "+15550002222"].into_iter().enumerate() {
        let data = text_message(phone, &format!("msg-{n}"), "hello traces");
        let answer = support::push(&format!("{base}/"), &data, &format!("ps-{mode}-{n}")).await;
        assert_eq!(answer.status(), 200);
    }
    while api.stats().agent_messages < 2 {
        assert!(Instant::now() < deadline, "the replies did not come");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bot.stop();
    let log = std::fs::read_to_string(dir.path().join(format!("{mode}.log"))).unwrap_or_default();
    (collector.spans(), log)
}

/// Checks one trace per delivery: each `rbm.receive` span is the root of
/// its own trace, which holds one `rbm.handle` span under it and an
/// `rbm.send` span under that.
fn assert_one_trace_per_delivery(spans: &[Value], log: &str) {
    let named =
        |name: &str| -> Vec<&Value> { spans.iter().filter(|s| s["name"] == name).collect() };
    let receives = named("rbm.receive");
    assert_eq!(
        receives.len(),
        2,
        "two receive spans expected: {spans:#?}\n{log}"
    );
    let mut traces: HashMap<&str, Vec<&Value>> = HashMap::new();
    for span in spans {
        traces
            .entry(span["traceId"].as_str().expect("a trace id"))
            .or_default()
            .push(span);
    }
    let mut seen = Vec::new();
    for receive in receives {
        let trace_id = receive["traceId"].as_str().expect("a trace id");
        assert!(!seen.contains(&trace_id), "two deliveries share a trace");
        seen.push(trace_id);
        assert!(
            receive["parentSpanId"].as_str().unwrap_or("").is_empty(),
            "the receive span is the root: {receive}"
        );
        let trace = &traces[trace_id];
        let handles: Vec<_> = trace.iter().filter(|s| s["name"] == "rbm.handle").collect();
        assert_eq!(handles.len(), 1, "one handle span per trace: {trace:#?}");
        assert_eq!(handles[0]["parentSpanId"], receive["spanId"]);
        let sends: Vec<_> = trace.iter().filter(|s| s["name"] == "rbm.send").collect();
        assert_eq!(sends.len(), 1, "one send span per trace: {trace:#?}");
        assert_eq!(sends[0]["parentSpanId"], handles[0]["spanId"]);
        // The delivery's facts are on its receive span, and no full number.
        let attributes = receive["attributes"].to_string();
        assert!(attributes.contains("delivery_id"), "{attributes}");
        assert!(
            attributes.contains("handled") || attributes.contains("stored"),
            "{attributes}"
        );
    }
    let everything = serde_json::to_string(spans).expect("json");
    for phone in ["+15550001111", "+15550002222", TOKEN] {
        assert!(!everything.contains(phone), "{phone} reached the spans");
    }
}

// Two threads: the collector answers while the test waits for the bot to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_mode_exports_one_trace_per_delivery() {
    let (spans, log) = spans_of_two_deliveries("inline").await;
    assert_one_trace_per_delivery(&spans, &log);
}

// Two threads: the collector answers while the test waits for the bot to exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbox_mode_exports_one_trace_per_delivery() {
    let (spans, log) = spans_of_two_deliveries("inbox").await;
    assert_one_trace_per_delivery(&spans, &log);
}
