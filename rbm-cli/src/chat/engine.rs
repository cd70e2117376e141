//! The conversation engine both faces of `rbm chat` share (the terminal and
//! the page of `--web`): it plays Google on both sides (the fake RBM API the
//! bot replies to, its key file, the bot's process or the URL of a running
//! one), delivers what a user does and reads what the bot sent back.

use std::net::{Ipv4Addr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rbm_runtime::protocol::UserEventType;
use rbm_runtime::testing::fake_api::{FakeRbmApi, RecordedRequest};
use rbm_runtime::testing::{Google, HeaderName, HttpBot, PushBuilder, SignedPush, StatusCode};

use super::bot_process::BotProcess;
use crate::cli::ChatArgs;
use crate::error::CliError;
use crate::key_dir::KeyDir;

/// How often readiness is probed while the bot starts.
const READY_POLL: Duration = Duration::from_millis(25);

/// How long the chat waits for the bot's log line of a delivery it
/// acknowledged (at a log level above `info` none comes for a success).
const LOG_WAIT: Duration = Duration::from_millis(150);
/// How long it waits for that line when the delivery was refused.
const LOG_WAIT_FAILED: Duration = Duration::from_secs(1);

/// How long `--url` waits for a first reply before saying none came.
const FIRST_REPLY_WAIT: Duration = Duration::from_millis(1500);

/// What `--url` prints when nothing from the bot reached this tool.
pub(crate) const SILENT_BOT: &str = "nothing from the bot reached rbm: if it answers, it sends its replies elsewhere; \
     start it with the environment printed above";

/// One conversation's Google: the fake RBM API, the key file it trusts, and
/// the bot (a process this tool started, or a URL).
pub(crate) struct Engine {
    api: Arc<FakeRbmApi>,
    process: Mutex<Option<BotProcess>>,
    /// The webhook deliveries go to.
    url: String,
    token: String,
    agent_id: String,
    /// How many of the fake API's requests were read already.
    cursor: Mutex<usize>,
    /// Whether the bot ever called this tool's fake API (a bot reached by
    /// `--url` may not have been started with the environment it needs).
    heard_from_bot: AtomicBool,
    /// Removed when the engine is dropped, after [`Engine::stop`].
    _key_dir: KeyDir,
}

/// A delivery made: what was sent and how the webhook answered.
pub(crate) struct Delivered {
    /// The signed delivery.
    pub(crate) push: SignedPush,
    /// The webhook's status, or why it could not be reached.
    pub(crate) answer: Result<StatusCode, String>,
    /// A bot reached by `--url` that has still not called this tool.
    pub(crate) silent_bot: bool,
    /// How many deliveries the bot had logged before this one.
    logged_before: Option<usize>,
}

impl Engine {
    /// Starts the fake RBM API, writes its key file, and starts the bot of
    /// `args` (or prints the environment a bot at `--url` needs).
    pub(crate) async fn start(args: &ChatArgs) -> Result<Self, CliError> {
        let api = Arc::new(
            FakeRbmApi::start()
                .await
                .map_err(CliError::io("starting the fake RBM API"))?,
        );
        let key_dir =
            KeyDir::create().map_err(CliError::io("creating a directory for the key file"))?;
        let key_file = key_dir.file("service-account.json");
        api.write_key_file(&key_file)
            .map_err(CliError::io("writing the service-account key file"))?;

        let token = args.token.clone().unwrap_or_else(random_token);
        let env = |port: Option<u16>| {
            let mut env = vec![
                ("RBM_CLIENT_TOKEN", token.clone()),
                ("RBM_API_BASE_URL", api.base_url()),
                (
                    "GOOGLE_APPLICATION_CREDENTIALS",
                    key_file.display().to_string(),
                ),
            ];
            // A chat is a fresh conversation: its deliveries are handled before
            // they are answered, so each reply shows under its message, and
            // nothing is kept for the next chat (for a bot this tool starts, the
            // user's own RBM_DELIVERY / RBM_STORE win when set).
            for (name, value) in [("RBM_DELIVERY", "inline"), ("RBM_STORE", "memory")] {
                if port.is_none() || std::env::var_os(name).is_none() {
                    env.push((name, value.to_owned()));
                }
            }
            if let Some(port) = port {
                env.push(("PORT", port.to_string()));
                env.push(("BIND", "127.0.0.1".to_owned()));
                // Always: a value left in the user's environment must not win.
                env.push(("RBM_WEBHOOK_PATH", args.path.clone()));
            }
            env
        };

        let (url, process) = match &args.url {
            Some(url) => {
                println!("rbm chat: talking to the bot at {url}.");
                println!("For its replies to show here, it must run with:");
                for (name, value) in env(None) {
                    println!("  export {name}={value}");
                }
                (url.clone(), None)
            }
            None => {
                let port = free_port().map_err(CliError::io("finding a free port"))?;
                let process = BotProcess::spawn(&args.command, &env(Some(port)), args.logs)?;
                (
                    format!("http://127.0.0.1:{port}{}", args.path),
                    Some(process),
                )
            }
        };
        // From here on a started bot is stopped on every path: by `stop`, or
        // by `BotProcess`'s drop on an early return or a panic.
        Ok(Self {
            api,
            process: Mutex::new(process),
            url,
            token,
            agent_id: args.agent_id.clone(),
            cursor: Mutex::new(0),
            heard_from_bot: AtomicBool::new(false),
            _key_dir: key_dir,
        })
    }

    /// A user of the bot, talking as `phone`.
    pub(crate) fn user(&self, phone: &str) -> Result<HttpBot, CliError> {
        Ok(HttpBot::new(&self.url, &self.token)?
            .sender(phone)
            .agent_id(&self.agent_id)
            .replies_from(Arc::clone(&self.api)))
    }

    /// The fake RBM API the bot replies to.
    pub(crate) fn api(&self) -> &FakeRbmApi {
        &self.api
    }

    /// Whether this tool started the bot (rather than `--url`).
    pub(crate) fn started_the_bot(&self) -> bool {
        self.process().is_some()
    }

    fn process(&self) -> MutexGuard<'_, Option<BotProcess>> {
        self.process.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(error)` when the bot this tool started has exited.
    pub(crate) fn exited(&self) -> Option<CliError> {
        self.process().as_mut().and_then(BotProcess::exited)
    }

    /// Waits for a bot this tool started to answer the console's handshake
    /// (as `bot`), and returns the line that says where everything is; a bot
    /// reached by `--url` is not waited for (`None`).
    pub(crate) async fn wait_ready(
        &self,
        bot: &HttpBot,
        timeout: Duration,
    ) -> Result<Option<String>, CliError> {
        let Some(pid) = self.process().as_ref().map(BotProcess::id) else {
            return Ok(None);
        };
        let secret = random_token();
        let headers = [(
            HeaderName::from_static("content-type"),
            "application/json".to_owned(),
        )];
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(error) = self.exited() {
                return Err(error);
            }
            let body = bot.google().handshake_body(&secret);
            if let Ok((status, _, answer)) = bot.transport().post(&headers, body).await {
                if status != StatusCode::OK || answer.as_ref() != secret.as_bytes() {
                    println!(
                        "rbm chat: warning: the bot answered the verification handshake with {status}; is it an rbm webhook on this path?"
                    );
                }
                break;
            }
            if tokio::time::Instant::now() >= deadline {
                let output = self
                    .process()
                    .as_ref()
                    .map(BotProcess::output)
                    .unwrap_or_default();
                return Err(CliError::NotReady {
                    url: bot.transport().url().to_owned(),
                    seconds: timeout.as_secs(),
                    output,
                });
            }
            tokio::time::sleep(READY_POLL).await;
        }
        Ok(Some(format!(
            "rbm chat: the bot (pid {}) answers at {}; its replies come to this tool's fake RBM API at {}.",
            pid.map_or_else(|| "?".to_owned(), |id| id.to_string()),
            bot.transport().url(),
            self.api.base_url(),
        )))
    }

    /// Delivers `push` (signed for `bot`'s user). `Err` only when the bot
    /// this tool started has exited; a bot that cannot be reached is an
    /// [`Delivered::answer`] error.
    pub(crate) async fn deliver(
        &self,
        bot: &HttpBot,
        push: SignedPush,
    ) -> Result<Delivered, CliError> {
        let logged_before = self.process().as_ref().map(BotProcess::deliveries_logged);
        let answer = match bot.try_deliver(push.clone()).await {
            Ok(replies) => Ok(replies.status()),
            Err(error) => {
                if let Some(exited) = self.exited() {
                    return Err(exited);
                }
                Err(error.to_string())
            }
        };
        let silent_bot = answer == Ok(StatusCode::OK)
            && logged_before.is_none()
            && !self.heard_from_bot.load(Ordering::Relaxed)
            && !self.wait_for_a_first_reply().await;
        Ok(Delivered {
            push,
            answer,
            silent_bot,
            logged_before,
        })
    }

    /// Why the bot did not handle what `delivered` carried, as its delivery
    /// log lines have it (none for a bot reached by `--url`). The line is
    /// written as the webhook answers, so it may arrive a moment after the
    /// answer: waited for, longer when the answer already said something
    /// went wrong.
    pub(crate) async fn explain(&self, delivered: &Delivered) -> Vec<String> {
        let Some(from) = delivered.logged_before else {
            return Vec::new();
        };
        let failed = delivered.answer != Ok(StatusCode::OK);
        let wait = if failed { LOG_WAIT_FAILED } else { LOG_WAIT };
        let deadline = tokio::time::Instant::now() + wait;
        let logged = || {
            self.process()
                .as_ref()
                .map_or(from, BotProcess::deliveries_logged)
        };
        while logged() == from && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.process()
            .as_ref()
            .map(|process| process.deliveries_since(from))
            .unwrap_or_default()
            .iter()
            .filter_map(|delivery| delivery.explain())
            .collect()
    }

    /// A bot reached by `--url` that has never called this tool: waits a
    /// little for its replies (in inbox mode they come after the `200`);
    /// `true` when some came.
    async fn wait_for_a_first_reply(&self) -> bool {
        let deadline = tokio::time::Instant::now() + FIRST_REPLY_WAIT;
        while tokio::time::Instant::now() < deadline {
            // The page's feed may have read them already (and said so).
            if self.heard_from_bot.load(Ordering::Relaxed)
                || self.api.requests().len() > *self.cursor()
            {
                self.heard_from_bot.store(true, Ordering::Relaxed);
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    }

    fn cursor(&self) -> MutexGuard<'_, usize> {
        self.cursor.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The requests the bot made to the fake RBM API since the last call,
    /// in order: each is returned once.
    pub(crate) fn take_new(&self) -> Vec<RecordedRequest> {
        let mut cursor = self.cursor();
        let mut requests = self.api.requests();
        let new = requests.split_off((*cursor).min(requests.len()));
        *cursor += new.len();
        if !new.is_empty() {
            self.heard_from_bot.store(true, Ordering::Relaxed);
        }
        new
    }

    /// Stops the bot this tool started, in order (see [`BotProcess::stop`]).
    pub(crate) async fn stop(&self) {
        let process = self.process().take();
        if let Some(process) = process {
            process.stop().await;
        }
    }
}

/// A user event as the protocol has it: only DELIVERED and READ name an
/// agent message (the bot's last one, as [`rbm_runtime::testing::Bot::event`] does).
pub(crate) fn event_push(
    google: &Google,
    event: UserEventType,
    last_agent_message: Option<&str>,
) -> PushBuilder {
    let names_a_message = matches!(event, UserEventType::Delivered | UserEventType::Read);
    let builder = google.user_event(event);
    match last_agent_message {
        Some(id) if names_a_message => builder.message_id(id),
        _ => builder,
    }
}

/// What the chat says it sent for a user event.
pub(crate) fn event_sent(event: &UserEventType, last_agent_message: Option<&str>) -> String {
    let names_a_message = matches!(event, UserEventType::Delivered | UserEventType::Read);
    match last_agent_message {
        Some(_) if names_a_message => {
            format!("(sent the user event {event} for the bot's last message)")
        }
        None if names_a_message => {
            format!("(sent the user event {event}; the bot has sent no message it could be about)")
        }
        _ => format!("(sent the user event {event})"),
    }
}

/// A free port on 127.0.0.1 (bound and released: the bot binds it next).
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// A client token for this session, like the console's (16 capitals).
fn random_token() -> String {
    (0..16).map(|_| fastrand::uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_confirmed_with_what_it_is_about() {
        assert_eq!(
            event_sent(&UserEventType::Read, Some("m1")),
            "(sent the user event READ for the bot's last message)"
        );
        assert_eq!(
            event_sent(&UserEventType::Read, None),
            "(sent the user event READ; the bot has sent no message it could be about)"
        );
        assert_eq!(
            event_sent(&UserEventType::IsTyping, Some("m1")),
            "(sent the user event IS_TYPING)"
        );
    }

    #[test]
    fn only_delivered_and_read_name_the_last_agent_message() {
        let google = Google::new("token");
        let message_id = |event: UserEventType, last: Option<&str>| {
            let payload = event_push(&google, event, last).build().payload_json();
            payload
                .get("messageId")
                .and_then(|id| id.as_str())
                .map(str::to_owned)
        };
        for event in [UserEventType::Delivered, UserEventType::Read] {
            assert_eq!(message_id(event, Some("m-1")).as_deref(), Some("m-1"));
        }
        for event in [
            UserEventType::IsTyping,
            UserEventType::Subscribe,
            UserEventType::Unsubscribe,
        ] {
            assert_eq!(message_id(event.clone(), Some("m-1")), None, "{event:?}");
        }
    }
}
