//! `rbm chat`: a conversation with a bot in the terminal, this tool playing
//! Google on both sides (signed deliveries in; the RBM API and its token
//! endpoint out).

mod bot_process;
mod delivery_log;
mod input;

use std::io::{IsTerminal as _, Write as _};
use std::net::{Ipv4Addr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use rbm_runtime::protocol::UserEventType;
use rbm_runtime::testing::fake_api::FakeRbmApi;
use rbm_runtime::testing::{Chip, Google, HeaderName, HttpBot, PushBuilder, StatusCode, read_sent};
use tokio::io::{AsyncBufReadExt as _, BufReader};

use crate::cli::ChatArgs;
use crate::error::CliError;
use crate::key_dir::KeyDir;
use crate::render;
use crate::signals::{Signals, Stop};
use bot_process::BotProcess;
use input::Input;

/// What to do when no bot is named.
const NO_BOT: &str = "rbm chat needs the command that starts your bot, after `--`:
    rbm chat -- cargo run --example echo
    rbm chat -- ./target/debug/my-bot
or the URL and client token of a bot that is already running:
    rbm chat --url http://127.0.0.1:8080/ --token MY_CLIENT_TOKEN";

/// How often readiness is probed while the bot starts.
const READY_POLL: Duration = Duration::from_millis(25);

/// Runs the chat until `/quit`, end of input or Ctrl-C. A bot it started is
/// stopped on every way out: those, errors, SIGTERM and SIGHUP, and Ctrl-C
/// while the bot is still starting.
pub(crate) async fn run(args: ChatArgs) -> Result<(), CliError> {
    if !args.path.starts_with('/') {
        return Err(CliError::Usage(format!(
            "--path {:?} must start with / (e.g. --path /webhook)",
            args.path
        )));
    }
    if args.url.is_some() && !args.command.is_empty() {
        return Err(CliError::Usage(
            "give either --url (a running bot) or a command after `--` (a bot to start), not both"
                .into(),
        ));
    }
    if args.url.is_none() && args.command.is_empty() {
        return Err(CliError::Usage(NO_BOT.into()));
    }
    // Watched before the bot exists, so no signal can end this tool between
    // the bot's start and the chat (the bot builds, say) and leave it running.
    let mut signals = Signals::watch().map_err(CliError::io("watching for Ctrl-C and SIGTERM"))?;
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
    // From here on a started bot is stopped on every path: explicitly below,
    // or by `BotProcess`'s drop on an early return or a panic.
    let bot = HttpBot::new(&url, &token)?
        .sender(&args.phone)
        .agent_id(&args.agent_id)
        .replies_from(Arc::clone(&api));

    let mut chat = Chat {
        bot,
        api,
        process,
        started: false,
        buttons: Vec::new(),
        last_agent_message: None,
        cursor: 0,
        heard_from_bot: false,
    };
    let result = tokio::select! {
        result = chat.session(&args) => result,
        stop = signals.recv() => {
            println!();
            // Ctrl-C in the chat is a way to leave; any other signal, or one
            // while the bot starts, ends the tool with the signal's code.
            if stop == Stop::Interrupt && chat.started {
                Ok(())
            } else {
                Err(CliError::Stopped { signal: stop.name(), code: stop.exit_code() })
            }
        }
    };
    if let Some(process) = chat.process.take() {
        process.stop().await;
    }
    drop(key_dir);
    result
}

/// How long the chat waits for the bot's log line of a delivery it
/// acknowledged (at a log level above `info` none comes for a success).
const LOG_WAIT: Duration = Duration::from_millis(150);
/// How long it waits for that line when the delivery was refused.
const LOG_WAIT_FAILED: Duration = Duration::from_secs(1);

/// How long `--url` waits for a first reply before saying none came.
const FIRST_REPLY_WAIT: Duration = Duration::from_millis(1500);

/// The state of one conversation.
struct Chat {
    bot: HttpBot,
    api: Arc<FakeRbmApi>,
    process: Option<BotProcess>,
    /// Whether the chat began (the bot answered, the person was greeted).
    started: bool,
    /// The numbered buttons of the bot's last turn.
    buttons: Vec<Chip>,
    last_agent_message: Option<String>,
    /// How many of the fake API's requests were shown already.
    cursor: usize,
    /// Whether the bot ever called this tool's fake API (a bot reached by
    /// `--url` may not have been started with the environment it needs).
    heard_from_bot: bool,
}

impl Chat {
    /// The whole session: waits for the bot, then converses.
    async fn session(&mut self, args: &ChatArgs) -> Result<(), CliError> {
        self.start(args).await?;
        self.started = true;
        self.converse().await
    }

    /// Waits for a started bot to answer, then greets the person.
    async fn start(&mut self, args: &ChatArgs) -> Result<(), CliError> {
        if let Some(process) = &mut self.process {
            wait_ready(&self.bot, process, Duration::from_secs(args.ready_timeout)).await?;
            println!(
                "rbm chat: the bot (pid {}) answers at {}; its replies come to this tool's fake RBM API at {}.",
                process
                    .id()
                    .map_or_else(|| "?".to_owned(), |id| id.to_string()),
                self.bot.transport().url(),
                self.api.base_url(),
            );
        }
        println!(
            "You are {}. Type a message, a number to tap a button, /help for more, /quit to leave.",
            self.bot.google().user()
        );
        Ok(())
    }

    /// Reads lines until `/quit`, end of input or the bot's exit.
    async fn converse(&mut self) -> Result<(), CliError> {
        let echo_input = !std::io::stdin().is_terminal();
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        loop {
            prompt();
            let line = loop {
                tokio::select! {
                    line = lines.next_line() => break line.map_err(CliError::io("reading stdin"))?,
                    _ = tick.tick() => {
                        if let Some(error) = self.process.as_mut().and_then(BotProcess::exited) {
                            println!();
                            return Err(error);
                        }
                    }
                }
            };
            let Some(line) = line else {
                println!();
                return Ok(());
            };
            if echo_input {
                println!("{line}");
            }
            match input::parse(&line) {
                Ok(Input::Quit) => return Ok(()),
                Ok(input) => self.act(input).await?,
                Err(message) => println!("  {message}"),
            }
        }
    }

    async fn act(&mut self, input: Input) -> Result<(), CliError> {
        let google = self.bot.google().clone();
        let builder = match input {
            Input::Nothing | Input::Quit => return Ok(()),
            Input::Help => {
                println!("{}", input::HELP);
                return Ok(());
            }
            Input::Text(text) => google.text(text),
            Input::Tap(number) => {
                let Some(chip) = number.checked_sub(1).and_then(|i| self.buttons.get(i)) else {
                    println!(
                        "  there is no button {number}; the bot's last message has {}",
                        self.buttons.len()
                    );
                    return Ok(());
                };
                println!("     (tapped \"{}\")", chip.text);
                let builder = google.postback(&chip.postback_data, &chip.text);
                if chip.action.is_some() {
                    builder.as_action_tap()
                } else {
                    builder
                }
            }
            Input::Location(lat, lon) => google.location(lat, lon),
            Input::File(url, mime) => google.file(url, mime),
            Input::Event(event) => {
                let about = self.last_agent_message.as_deref();
                println!("     {}", event_sent(&event, about));
                event_push(&google, event, about)
            }
        };
        self.deliver(builder).await
    }

    async fn deliver(&mut self, builder: PushBuilder) -> Result<(), CliError> {
        let logged = self.process.as_ref().map(BotProcess::deliveries_logged);
        let replies = match self.bot.try_deliver(builder.build()).await {
            Ok(replies) => replies,
            Err(error) => {
                if let Some(exited) = self.process.as_mut().and_then(BotProcess::exited) {
                    return Err(exited);
                }
                println!("  {error}");
                return Ok(());
            }
        };
        if replies.status() != StatusCode::OK {
            println!(
                "     (the webhook answered {}: Google would redeliver it)",
                replies.status()
            );
        } else if self.process.is_none() && !self.heard_from_bot {
            self.wait_for_a_first_reply().await;
        }
        self.show_new();
        if let Some(from) = logged {
            self.explain_failures(from, replies.status() != StatusCode::OK)
                .await;
        }
        Ok(())
    }

    /// Says why the bot did not handle what it was sent, as its delivery
    /// log line has it. The line is written as the webhook answers, so it
    /// may arrive a moment after the answer: waited for, longer when the
    /// answer already said something went wrong.
    async fn explain_failures(&self, from: usize, failed: bool) {
        let Some(process) = &self.process else { return };
        let wait = if failed { LOG_WAIT_FAILED } else { LOG_WAIT };
        let deadline = tokio::time::Instant::now() + wait;
        while process.deliveries_logged() == from && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        for delivery in process.deliveries_since(from) {
            if let Some(explanation) = delivery.explain() {
                println!("     {explanation}");
            }
        }
    }

    /// A bot reached by `--url` that has never called this tool: waits a
    /// little for its replies (in inbox mode they come after the `200`),
    /// and says why none may come.
    async fn wait_for_a_first_reply(&mut self) {
        let deadline = tokio::time::Instant::now() + FIRST_REPLY_WAIT;
        while tokio::time::Instant::now() < deadline {
            if self.api.requests().len() > self.cursor {
                self.heard_from_bot = true;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!(
            "     (nothing from the bot reached rbm: if it answers, it sends its replies elsewhere; \
             start it with the environment printed above)"
        );
    }

    /// Shows what the bot sent to this user since the last time.
    fn show_new(&mut self) {
        let requests = self.api.requests();
        let new = requests.get(self.cursor..).unwrap_or_default();
        self.cursor = requests.len();
        let (messages, events) = read_sent(new, Some(self.bot.google().user()));
        for event in &events {
            println!("{}", render::event(event));
        }
        if messages.is_empty() {
            return;
        }
        let rendered = render::messages(&messages);
        for line in &rendered.lines {
            println!("{line}");
        }
        self.buttons = rendered.buttons;
        self.last_agent_message = messages.last().map(|m| m.message_id.clone());
    }
}

/// A user event as the protocol has it: only DELIVERED and READ name an
/// agent message (the bot's last one, as [`rbm_runtime::testing::Bot::event`] does).
fn event_push(
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

/// What `rbm chat` says it sent for `/event`.
fn event_sent(event: &UserEventType, last_agent_message: Option<&str>) -> String {
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

/// Probes the bot with the console's handshake until it answers.
async fn wait_ready(
    bot: &HttpBot,
    process: &mut BotProcess,
    timeout: Duration,
) -> Result<(), CliError> {
    let secret = random_token();
    let headers = [(
        HeaderName::from_static("content-type"),
        "application/json".to_owned(),
    )];
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(error) = process.exited() {
            return Err(error);
        }
        let body = bot.google().handshake_body(&secret);
        if let Ok((status, _, answer)) = bot.transport().post(&headers, body).await {
            if status != StatusCode::OK || answer.as_ref() != secret.as_bytes() {
                println!(
                    "rbm chat: warning: the bot answered the verification handshake with {status}; is it an rbm webhook on this path?"
                );
            }
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(CliError::NotReady {
                url: bot.transport().url().to_owned(),
                seconds: timeout.as_secs(),
                output: process.output(),
            });
        }
        tokio::time::sleep(READY_POLL).await;
    }
}

fn prompt() {
    print!("you> ");
    let _ = std::io::stdout().flush();
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
