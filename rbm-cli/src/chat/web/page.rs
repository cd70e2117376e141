//! The conversation behind the page: its users, what they do (each user's
//! deliveries one at a time, in order) and the events that tell the page.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use rbm_runtime::testing::{HttpBot, SignedPush, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::feed::Feed;
use super::hub::Hub;
use super::user_files::{UserFile, UserFiles};
use crate::chat::engine::{self, Engine, SILENT_BOT};
use crate::chat::input;
use crate::error::CliError;

/// One simulated user.
struct User {
    bot: HttpBot,
    /// Held for the whole of a delivery: a user's deliveries go in order.
    turn: tokio::sync::Mutex<()>,
}

/// Everything the page's server needs.
pub(super) struct Page {
    pub(super) engine: Arc<Engine>,
    pub(super) hub: Arc<Hub>,
    pub(super) feed: Feed,
    pub(super) files: UserFiles,
    users: Vec<User>,
    ready: AtomicBool,
    agent_id: String,
    /// The page's own address, `http://127.0.0.1:PORT`.
    pub(super) origin: String,
}

/// What the page asks for, as it posts it to `/api/send`.
#[derive(Debug, Deserialize)]
pub(super) struct Command {
    /// Which user (0 for the first).
    pub(super) user: usize,
    /// What they do.
    #[serde(flatten)]
    pub(super) action: Action,
}

/// Something a user does on the phone.
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(super) enum Action {
    /// Types and sends a text.
    Text {
        /// The text.
        text: String,
    },
    /// Taps a suggested reply, or a suggested action.
    Tap {
        /// The chip's label.
        text: String,
        /// Its postback data.
        postback: String,
        /// Whether it is a suggested action.
        #[serde(default)]
        action: bool,
    },
    /// Shares a location.
    Location {
        /// Degrees north.
        latitude: f64,
        /// Degrees east.
        longitude: f64,
    },
    /// Sends a user event (`read`, `delivered`, `typing`, `subscribe`,
    /// `unsubscribe`).
    Event {
        /// Its name.
        event: String,
    },
}

/// Why the page's request was not carried out.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refusal {
    /// The request is wrong (400).
    #[error("{0}")]
    Invalid(String),
    /// The bot is still starting (503).
    #[error("the bot is not ready yet")]
    NotReady,
    /// The bot exited (503).
    #[error("{0}")]
    BotGone(#[source] CliError),
}

impl Page {
    /// The page of `engine`'s conversation, as the users `phones`.
    pub(super) fn new(engine: Arc<Engine>, phones: &[String], port: u16) -> Result<Self, CliError> {
        let hub = Arc::new(Hub::new());
        let users = phones
            .iter()
            .map(|phone| {
                Ok(User {
                    bot: engine.user(phone)?,
                    turn: tokio::sync::Mutex::new(()),
                })
            })
            .collect::<Result<Vec<_>, CliError>>()?;
        let agent_id = users
            .first()
            .map(|user| user.bot.google().agent().to_owned())
            .unwrap_or_default();
        Ok(Self {
            feed: Feed::new(Arc::clone(&engine), Arc::clone(&hub)),
            engine,
            hub,
            files: UserFiles::default(),
            users,
            ready: AtomicBool::new(false),
            agent_id,
            origin: format!("http://127.0.0.1:{port}"),
        })
    }

    /// The first user (the terminal's `--phone`).
    pub(super) fn first_bot(&self) -> Option<&HttpBot> {
        self.users.first().map(|user| &user.bot)
    }

    /// The bot answers: the page may send.
    pub(super) fn set_ready(&self) {
        self.ready.store(true, Ordering::Relaxed);
        self.hub.publish(json!({"type": "status", "ready": true}));
    }

    /// What a tab is told first: who chats with what, and whether it can.
    pub(super) fn hello(&self) -> Value {
        let users: Vec<&str> = self
            .users
            .iter()
            .map(|user| user.bot.google().user())
            .collect();
        json!({
            "users": users,
            "agent": self.agent_id,
            "ready": self.ready.load(Ordering::Relaxed),
            "startedBot": self.engine.started_the_bot(),
        })
    }

    fn user(&self, index: usize) -> Result<&User, Refusal> {
        if !self.ready.load(Ordering::Relaxed) {
            return Err(Refusal::NotReady);
        }
        self.users.get(index).ok_or_else(|| {
            Refusal::Invalid(format!(
                "no user {index}: this chat has {}",
                self.users.len()
            ))
        })
    }

    /// Carries out `command`; returns the exchange's event.
    pub(super) async fn act(&self, command: Command) -> Result<Value, Refusal> {
        let user = self.user(command.user)?;
        let _turn = user.turn.lock().await;
        let google = user.bot.google();
        let mut note = None;
        let push = match command.action {
            Action::Text { text } => google.text(text).build(),
            Action::Tap {
                text,
                postback,
                action,
            } => {
                let builder = google.postback(postback, text);
                if action {
                    builder.as_action_tap().build()
                } else {
                    builder.build()
                }
            }
            Action::Location {
                latitude,
                longitude,
            } => {
                if !(latitude.abs() <= 90.0 && longitude.abs() <= 180.0) {
                    return Err(Refusal::Invalid(format!(
                        "no such place: latitude {latitude}, longitude {longitude}"
                    )));
                }
                google.location(latitude, longitude).build()
            }
            Action::Event { event } => {
                let event = input::event(&event).map_err(Refusal::Invalid)?;
                let about = self.feed.last_agent_message(google.user());
                note = Some(engine::event_sent(&event, about.as_deref()));
                engine::event_push(google, event, about.as_deref()).build()
            }
        };
        self.deliver(user, push, note).await
    }

    /// Keeps `file` where the bot can fetch it and sends it as `user`.
    pub(super) async fn send_file(&self, index: usize, file: UserFile) -> Result<Value, Refusal> {
        let user = self.user(index)?;
        let _turn = user.turn.lock().await;
        let (name, mime, size) = (file.name.clone(), file.mime.clone(), file.bytes.len());
        let id = self.files.add(file);
        let url = format!("{}/user-files/{id}/{name}", self.origin);
        let push = user
            .bot
            .google()
            .file(url, mime)
            .file_name(name)
            .file_size(u64::try_from(size).unwrap_or(u64::MAX))
            .build();
        self.deliver(user, push, None).await
    }

    /// Shows the user's message, delivers it, shows the replies, then the
    /// exchange (with the bot's explanation of a failure).
    async fn deliver(
        &self,
        user: &User,
        push: SignedPush,
        note: Option<String>,
    ) -> Result<Value, Refusal> {
        let phone = user.bot.google().user().to_owned();
        let payload = push.payload_json();
        let envelope: Value = serde_json::from_slice(&push.body()).unwrap_or(Value::Null);
        self.hub.publish(json!({
            "type": "user_message",
            "user": phone,
            "messageId": push.message_id().or(push.event_id()),
            "payload": payload,
            "envelope": envelope,
            "note": note,
        }));
        let started = Instant::now();
        let delivered = self
            .engine
            .deliver(&user.bot, push)
            .await
            .map_err(Refusal::BotGone)?;
        let millis = started.elapsed().as_millis();
        self.feed.pump();
        let explanations = self.engine.explain(&delivered).await;
        let (status, error) = match &delivered.answer {
            Ok(status) => (Some(status.as_u16()), None),
            Err(error) => (None, Some(error.clone())),
        };
        let mut notes = explanations;
        match delivered.answer {
            Ok(status) if status != StatusCode::OK => notes.insert(
                0,
                format!("(the webhook answered {status}: Google would redeliver it)"),
            ),
            Ok(_) if delivered.silent_bot => notes.push(format!("({SILENT_BOT})")),
            _ => {}
        }
        let exchange = json!({
            "type": "exchange",
            "user": phone,
            "messageId": delivered.push.message_id().or(delivered.push.event_id()),
            "payload": payload,
            "envelope": envelope,
            "status": status,
            "error": error,
            "notes": notes,
            "millis": u64::try_from(millis).unwrap_or(u64::MAX),
        });
        self.hub.publish(exchange.clone());
        Ok(exchange)
    }
}
