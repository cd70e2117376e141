//! `rbm chat --web` end to end: the pizza example in a real headless
//! Chromium (driven through chromedriver), and the page's server over plain
//! HTTP with the echo example and two users.

#![cfg(unix)]

mod support;

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How the browser is installed where it is missing.
const INSTALL: &str = "the browser tests need headless Chromium and chromedriver: \
     `sudo apt-get install -y chromium chromium-driver` (Debian, Ubuntu), \
     or put `chromedriver` and a Chromium on the PATH";

/// How long anything the tests wait for may take (a hang guard: the bot is
/// built before it starts).
const PATIENCE: Duration = Duration::from_secs(60);

/// `rbm chat --web` running, its page's address known; stopped with Ctrl-C
/// (SIGINT) when dropped, so that it stops its bot in turn.
struct WebChat {
    child: Child,
    url: String,
    lines: mpsc::Receiver<String>,
}

impl WebChat {
    /// Starts `rbm chat --web ARGS…` and waits until the bot answers.
    fn start(args: &[&str]) -> Self {
        let mut child = support::rbm()
            .args(["chat", "--web"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("rbm starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut chat = Self {
            child,
            url: String::new(),
            lines,
        };
        let page = chat.wait_for_line("the conversation is on ");
        chat.url = page
            .split_whitespace()
            .find(|word| word.starts_with("http://127.0.0.1:"))
            .expect("the page's address")
            .to_owned();
        chat.wait_for_line("answers at");
        chat
    }

    /// The first line of its output that contains `needle` (lines before
    /// it are skipped).
    fn wait_for_line(&self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(error) => panic!("rbm chat --web never printed {needle:?}: {error}"),
            }
        }
    }

    /// The page's address joined with `path` (without its leading `/`).
    fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path.trim_start_matches('/'))
    }
}

impl Drop for WebChat {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A program on the PATH (or at one of the usual places).
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::env::split_paths(&path).chain(["/usr/bin".into(), "/usr/lib/chromium".into()]);
    let dirs: Vec<PathBuf> = dirs.collect();
    names
        .iter()
        .flat_map(|name| dirs.iter().map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a free port of 127.0.0.1, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Self {
        let driver = find_program(&["chromedriver"]).unwrap_or_else(|| panic!("{INSTALL}"));
        let port = support::free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!("{} cannot start ({error}); {INSTALL}", driver.display())
            });
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < PATIENCE, "chromedriver never listened");
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless Chromium session through `driver`.
async fn browser(driver: &Driver) -> Client {
    let mut options = json!({"args": [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--window-size=1280,900",
    ]});
    if let Some(chromium) = find_program(&["chromium", "chromium-browser", "google-chrome"]) {
        options["binary"] = json!(chromium.display().to_string());
    }
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("goog:chromeOptions".to_owned(), options);
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector)
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .unwrap_or_else(|error| panic!("no browser session: {error}; {INSTALL}"))
}

/// Waits until the JavaScript expression `condition` holds in the page.
async fn wait_until(client: &Client, condition: &str) {
    let script = format!("return Boolean({condition});");
    let deadline = Instant::now() + PATIENCE;
    loop {
        let holds = client
            .execute(&script, vec![])
            .await
            .expect("the script runs");
        if holds == Value::Bool(true) {
            return;
        }
        if Instant::now() > deadline {
            let text = client
                .execute("return document.body.innerText;", vec![])
                .await
                .unwrap_or_default();
            panic!(
                "never true: {condition}\nthe page:\n{}",
                text.as_str().unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The number of elements `selector` finds in the page.
async fn count(client: &Client, selector: &str) -> usize {
    client
        .find_all(Locator::Css(selector))
        .await
        .expect("a search")
        .len()
}

/// JavaScript: whether an element of `selector` has text containing `text`.
fn has_text(selector: &str, text: &str) -> String {
    format!(
        "[...document.querySelectorAll({})].some(e => e.textContent.includes({}))",
        json!(selector),
        json!(text)
    )
}

/// Where screenshots go: `target/chat-web/`.
fn screenshot_dir() -> PathBuf {
    let dir = support::target_dir().join("chat-web");
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pizza_example_in_headless_chromium() {
    let driver = Driver::start();
    let pizza = support::example("pizza");
    let chat = WebChat::start(&["--", pizza.to_str().expect("a UTF-8 path")]);
    let client = browser(&driver).await;
    let mut result = converse(&client, &chat).await;
    if result.is_ok() {
        result = rich_content(&client).await;
    }
    let _ = client.close().await;
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// The conversation of the browser test: a text, a chip, the carousel, a
/// location, the exchanges panel, a screenshot.
async fn converse(client: &Client, chat: &WebChat) -> Result<(), fantoccini::error::CmdError> {
    client.goto(&chat.url).await?;
    wait_until(
        client,
        "document.querySelector('#status').dataset.state === 'ready'",
    )
    .await;
    assert_eq!(count(client, ".phone").await, 1);

    // A text, and the reply with its suggestion chips.
    let input = client.find(Locator::Css(".composer input")).await?;
    input.send_keys("hi").await?;
    client
        .find(Locator::Css(".composer .send"))
        .await?
        .click()
        .await?;
    wait_until(client, &has_text(".bubble.user", "hi")).await;
    wait_until(client, &has_text(".bubble.agent", "Hello! Hungry?")).await;
    wait_until(client, &has_text(".chips .chip", "Menu")).await;

    // A tap on the chip: its postback goes to the bot, a carousel comes back.
    let chips = client.find_all(Locator::Css(".chips .chip")).await?;
    let mut menu = None;
    for chip in chips {
        if chip.text().await? == "Menu" {
            menu = Some(chip);
        }
    }
    menu.expect("a Menu chip").click().await?;
    wait_until(client, &has_text(".bubble.user.tapped", "Menu")).await;
    wait_until(client, "document.querySelector('.carousel.width-medium')").await;
    assert_eq!(count(client, ".carousel .card").await, 3);
    wait_until(client, &has_text(".carousel .card-title", "Large pizza")).await;
    wait_until(client, &has_text(".carousel .card-button", "Medium")).await;

    // A location, shared from the composer's tools.
    client
        .find(Locator::Css(".composer .more"))
        .await?
        .click()
        .await?;
    client
        .find(Locator::Css(".tools .share-location"))
        .await?
        .click()
        .await?;
    let latitude = client
        .find(Locator::Css("#location-dialog input[name=latitude]"))
        .await?;
    latitude.clear().await?;
    latitude.send_keys("60.2055").await?;
    let longitude = client
        .find(Locator::Css("#location-dialog input[name=longitude]"))
        .await?;
    longitude.clear().await?;
    longitude.send_keys("24.6559").await?;
    client
        .find(Locator::Css("#location-dialog .share"))
        .await?
        .click()
        .await?;
    wait_until(
        client,
        &has_text(".bubble.user.location", "60.2055, 24.6559"),
    )
    .await;
    wait_until(client, &has_text(".bubble.agent", "km away")).await;

    // Every delivery was answered 200, and each shows in the panel with its
    // JSON; the bot's calls to the RBM API too.
    wait_until(
        client,
        "document.querySelectorAll('#log .entry.exchange.ok').length === 3",
    )
    .await;
    assert_eq!(count(client, "#log .entry.exchange").await, 3);
    assert!(count(client, "#log .entry.api").await >= 4);
    wait_until(
        client,
        &has_text("#log .entry.exchange pre", "\"postbackData\": \"menu\""),
    )
    .await;
    wait_until(client, &has_text(".row.user .receipt", "Delivered")).await;

    let png = client.screenshot().await?;
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    let path = screenshot_dir().join("pizza.png");
    std::fs::write(&path, png).expect("the screenshot is written");
    eprintln!("screenshot: {}", path.display());
    Ok(())
}

/// What the pizza example does not send, rendered from events in the format
/// the server publishes them (cards, media, a carousel of small cards,
/// typing, a read receipt, an action's sheet); and a file sent from disk.
async fn rich_content(client: &Client) -> Result<(), fantoccini::error::CmdError> {
    // A file from disk (the screenshot just taken), through the file input.
    let picture = screenshot_dir().join("pizza.png");
    let input = client.find(Locator::Css(".tools .send-file input")).await?;
    input.send_keys(&picture.display().to_string()).await?;
    wait_until(client, &has_text(".bubble.agent", "Thanks for pizza.png!")).await;
    wait_until(
        client,
        "document.querySelector('.bubble.user img') && document.querySelector('.bubble.user img').naturalWidth > 0",
    )
    .await;
    let served = client
        .execute(
            "return document.querySelector('.bubble.user img').src;",
            vec![],
        )
        .await?;
    let served = served.as_str().expect("the file's address").to_owned();

    let user = json!("+12223334444");
    let media =
        |height: &str, url: &str| json!({"height": height, "contentInfo": {"fileUrl": url}});
    let inject = |event: Value| client.execute("handle(arguments[0]);", vec![event]);
    inject(json!({"type": "agent_message", "user": user, "messageId": "r1", "body": {"contentMessage": {
        "richCard": {"standaloneCard": {"cardOrientation": "HORIZONTAL", "thumbnailImageAlignment": "RIGHT",
            "cardContent": {"title": "Unreachable", "description": "its image cannot be loaded",
                "media": media("TALL", "http://127.0.0.1:9/gone.png")}}}}}}))
    .await?;
    inject(json!({"type": "agent_message", "user": user, "messageId": "r2", "body": {"contentMessage": {
        "richCard": {"standaloneCard": {"cardOrientation": "VERTICAL",
            "cardContent": {"title": "Your pizza", "media": media("SHORT", &served),
                "suggestions": [{"action": {"text": "Call us", "postbackData": "call",
                    "dialAction": {"phoneNumber": "+15556667777"}}}]}}}}}}))
    .await?;
    inject(json!({"type": "agent_message", "user": user, "messageId": "r3", "body": {"contentMessage": {
        "richCard": {"carouselCard": {"cardWidth": "SMALL", "cardContents": [
            {"title": "One", "media": media("SHORT", &served)}, {"title": "Two"}]}},
            "suggestions": [{"action": {"text": "Track", "postbackData": "track",
            "openUrlAction": {"url": "https://example.com/track", "application": "WEBVIEW",
                "webviewViewMode": "HALF"}}}]}}}))
    .await?;
    wait_until(
        client,
        "document.querySelector('.card.horizontal.media-right .media-missing')",
    )
    .await;
    wait_until(
        client,
        "document.querySelector('.card.vertical .h-short img').naturalWidth > 0",
    )
    .await;
    let short = client
        .execute(
            "return document.querySelector('.card.vertical .h-short').offsetHeight;",
            vec![],
        )
        .await?;
    assert_eq!(short, json!(112), "a SHORT media is 112 DP tall");
    let small = client
        .execute(
            "return document.querySelector('.carousel.width-small .card').offsetWidth;",
            vec![],
        )
        .await?;
    assert_eq!(small, json!(120), "a SMALL card is 120 DP wide");

    // Typing, then "Read" under the person's first message.
    inject(json!({"type": "agent_event", "user": user, "event": "IS_TYPING"})).await?;
    wait_until(client, "document.querySelector('.row.typing')").await;
    let first = client
        .execute(
            "return document.querySelector('.row.user').dataset.id;",
            vec![],
        )
        .await?;
    inject(json!({"type": "agent_event", "user": user, "event": "READ", "messageId": first}))
        .await?;
    wait_until(client, &has_text(".row.user .receipt", "Read")).await;

    // An action shows what the phone would do: a web view of half the
    // screen, a call. (Each tap reaches the bot too, whose answer brings
    // chips of its own.)
    client
        .find(Locator::Css(".chips .chip.action"))
        .await?
        .click()
        .await?;
    wait_until(client, "!document.querySelector('.overlay').hidden").await;
    wait_until(client, &has_text(".overlay-body", "in a HALF web view")).await;
    let mode = client
        .execute(
            "return document.querySelector('.overlay').dataset.mode;",
            vec![],
        )
        .await?;
    assert_eq!(mode, json!("HALF"));
    wait_until(client, &has_text(".bubble.user.tapped", "Track")).await;
    client
        .find(Locator::Css(".overlay-close"))
        .await?
        .click()
        .await?;
    client
        .find(Locator::Css(".card-button.action"))
        .await?
        .click()
        .await?;
    wait_until(client, &has_text(".overlay-body", "Dials +15556667777")).await;
    wait_until(client, &has_text(".bubble.user.tapped", "Call us")).await;

    let png = client.screenshot().await?;
    std::fs::write(screenshot_dir().join("rich.png"), png).expect("the screenshot is written");
    Ok(())
}

/// Reads the SSE stream until its text contains `needle`; returns it all.
async fn read_stream_until(response: &mut reqwest::Response, seen: &mut String, needle: &str) {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .unwrap_or_else(|_| panic!("the stream never said {needle:?}:\n{seen}"))
            .expect("the stream reads")
            .unwrap_or_else(|| panic!("the stream ended before {needle:?}:\n{seen}"));
        seen.push_str(&String::from_utf8_lossy(&chunk));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_server_over_plain_http() {
    let echo = support::example("echo");
    let chat = WebChat::start(&["--users", "2", "--", echo.to_str().expect("a UTF-8 path")]);
    let http = rbm_runtime::testing::http_client().expect("an HTTP client");

    // The page and its files, with their types; nothing else.
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/app.css", "text/css; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
    ] {
        let response = http.get(chat.at(path)).send().await.expect("an answer");
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.headers()["content-type"], content_type, "{path}");
        assert!(
            !response.bytes().await.expect("a body").is_empty(),
            "{path}"
        );
    }
    let not_found = http.get(chat.at("/nope")).send().await.expect("an answer");
    assert_eq!(not_found.status(), 404);
    let wrong_method = http
        .delete(chat.at("/api/send"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(wrong_method.status(), 405);
    let other_host = http
        .get(chat.at("/"))
        .header("host", "rebound.example:80")
        .send()
        .await
        .expect("an answer");
    assert_eq!(other_host.status(), 403);

    // The live stream: a hello naming both users.
    let mut stream = http
        .get(chat.at("/events"))
        .send()
        .await
        .expect("the stream");
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let mut seen = String::new();
    read_stream_until(&mut stream, &mut seen, "event: hello").await;
    read_stream_until(&mut stream, &mut seen, "+12223334445").await;

    // The second user says something; the exchange answers, and the reply
    // reaches the stream.
    let sent = http
        .post(chat.at("/api/send"))
        .header("content-type", "application/json")
        .body(json!({"user": 1, "kind": "text", "text": "hello from the web"}).to_string())
        .send()
        .await
        .expect("an answer");
    assert_eq!(sent.status(), 200);
    let exchange: Value =
        serde_json::from_slice(&sent.bytes().await.expect("a body")).expect("JSON");
    assert_eq!(exchange["status"], 200, "{exchange}");
    assert_eq!(exchange["user"], "+12223334445", "{exchange}");
    read_stream_until(&mut stream, &mut seen, "\"type\":\"agent_message\"").await;
    let reply = seen
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| serde_json::from_str::<Value>(data).ok())
        .find(|event| event["type"] == "agent_message")
        .expect("a reply event");
    assert_eq!(reply["user"], "+12223334445");
    assert_eq!(
        reply["body"]["contentMessage"]["text"],
        "hello from the web"
    );

    // A tab opened later sees the conversation so far, reply included.
    let mut late = http.get(chat.at("/events")).send().await.expect("a stream");
    let mut seen_late = String::new();
    read_stream_until(&mut late, &mut seen_late, "\"type\":\"agent_message\"").await;
    assert!(seen_late.contains("\"user_message\""), "{seen_late}");

    // What is refused, and how.
    let post = |body: &'static str, content_type: &'static str| {
        http.post(chat.at("/api/send"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let not_json = post("hi", "text/plain").await.expect("an answer");
    assert_eq!(not_json.status(), 415);
    let bad = post("{\"user\": 0, \"kind\": \"fly\"}", "application/json")
        .await
        .expect("an answer");
    assert_eq!(bad.status(), 400);
    let no_user = post(
        "{\"user\": 7, \"kind\": \"text\", \"text\": \"x\"}",
        "application/json",
    )
    .await
    .expect("an answer");
    assert_eq!(no_user.status(), 400);
    let cross_site = http
        .post(chat.at("/api/send"))
        .header("content-type", "application/json")
        .header("origin", "http://elsewhere.example")
        .body("{}")
        .send()
        .await
        .expect("an answer");
    assert_eq!(cross_site.status(), 403);

    // A file from disk: kept, served to the bot, and sent as a user file.
    let bytes = b"\x89PNG not really".to_vec();
    let uploaded = http
        .post(chat.at("/api/upload?user=0&name=my%20pie.png"))
        .header("content-type", "image/png")
        .body(bytes.clone())
        .send()
        .await
        .expect("an answer");
    assert_eq!(uploaded.status(), 200);
    let exchange: Value =
        serde_json::from_slice(&uploaded.bytes().await.expect("a body")).expect("JSON");
    let file = &exchange["payload"]["userFile"]["payload"];
    assert_eq!(file["mimeType"], "image/png", "{exchange}");
    assert_eq!(file["fileName"], "my_pie.png", "{exchange}");
    let uri = file["fileUri"].as_str().expect("a file URI");
    assert!(uri.starts_with(&chat.url), "{uri}");
    let served = http.get(uri).send().await.expect("the file");
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.expect("its bytes").to_vec(), bytes);
}

#[test]
fn asking_for_web_options_without_web_is_a_usage_error() {
    let output = support::run(&["chat", "--port", "8080", "--", "true"], "");
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        support::text(&output.stderr)
    );
    assert!(support::text(&output.stderr).contains("--web"));
}
