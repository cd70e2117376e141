//! The command line: every command, argument and its `--help`.

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use rbm_runtime::store::StoreUrl;

/// The environment variable `--token` is read from when not given: the same
/// one the bot reads its client token from.
const TOKEN_ENV: &str = "RBM_CLIENT_TOKEN";

/// Develop Google RBM agents locally: chat with a bot, send it signed
/// deliveries, play the RBM API for it, check its webhook the way the RBM
/// console does, look after a bot's inbox.
#[derive(Debug, Parser)]
#[command(name = "rbm", version, propagate_version = true)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Chat with a bot in the terminal, with this tool playing Google.
    ///
    /// Starts the bot with PORT, BIND, RBM_CLIENT_TOKEN, RBM_API_BASE_URL and
    /// GOOGLE_APPLICATION_CREDENTIALS set so that it talks to this tool
    /// only, then sends what you type as signed deliveries and shows its
    /// replies. Example: `rbm chat -- cargo run --example echo`.
    Chat(ChatArgs),
    /// Send one signed delivery to a webhook and print the status, and the
    /// replies when the bot sends them to `rbm api`.
    ///
    /// Example: `RBM_CLIENT_TOKEN=T rbm send http://127.0.0.1:8080/ text "hello"`.
    Send(SendArgs),
    /// Play the RBM API (and its token endpoint) for a bot you start
    /// yourself, and show what it sends.
    ///
    /// Prints the RBM_API_BASE_URL and GOOGLE_APPLICATION_CREDENTIALS to
    /// start the bot with; `rbm send --api URL` then prints the replies to
    /// each delivery. Runs until Ctrl-C.
    Api(ApiArgs),
    /// Check a webhook the way the RBM console's "Verify" button does.
    ///
    /// Sends the verification handshake and says whether the console would
    /// accept the answer, and why not.
    Verify(VerifyArgs),
    /// Look into a bot's inbox and deal with its dead letters.
    ///
    /// Works on the store the server uses (RBM_STORE), also while the server
    /// runs: a running server picks up retried dead letters by itself.
    Inbox(InboxArgs),
}

/// `rbm chat`.
#[derive(Debug, Args)]
pub(crate) struct ChatArgs {
    /// Chat with a bot that is already running at this webhook URL instead
    /// of starting one (the tool prints the environment it needs).
    #[arg(long, requires = "token")]
    pub(crate) url: Option<String>,
    /// The client token of the running bot given with --url (or of the bot
    /// to start; a random one by default). Read from RBM_CLIENT_TOKEN when
    /// not given, which keeps it out of the shell history and `ps`.
    #[arg(long, env = TOKEN_ENV, hide_env_values = true)]
    pub(crate) token: Option<String>,
    /// The webhook path of the bot to start (sets RBM_WEBHOOK_PATH).
    #[arg(long, default_value = "/")]
    pub(crate) path: String,
    /// Your phone number, as the bot sees it (E.164).
    #[arg(long, default_value = rbm_runtime::testing::DEFAULT_SENDER)]
    pub(crate) phone: String,
    /// The agent id deliveries name.
    #[arg(long, default_value = rbm_runtime::testing::DEFAULT_AGENT_ID)]
    pub(crate) agent_id: String,
    /// How long to wait for the bot to start answering, in seconds (its
    /// build, when the command builds it, counts).
    #[arg(long, default_value_t = 300)]
    pub(crate) ready_timeout: u64,
    /// Show the bot's log (its stderr) as it runs.
    #[arg(long)]
    pub(crate) logs: bool,
    /// The command that starts the bot, after `--`.
    #[arg(last = true, value_name = "BOT COMMAND")]
    pub(crate) command: Vec<String>,
}

/// `rbm send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    /// The webhook URL, with its path.
    pub(crate) url: String,
    /// The webhook's client token (deliveries are signed with it). Read
    /// from RBM_CLIENT_TOKEN when not given, which keeps it out of the shell
    /// history and `ps`.
    #[arg(long, env = TOKEN_ENV, hide_env_values = true)]
    pub(crate) token: String,
    /// The user the delivery comes from (E.164).
    #[arg(long, default_value = rbm_runtime::testing::DEFAULT_SENDER)]
    pub(crate) phone: String,
    /// The agent id the delivery names.
    #[arg(long, default_value = rbm_runtime::testing::DEFAULT_AGENT_ID)]
    pub(crate) agent_id: String,
    /// Also print the payload that was sent.
    #[arg(long)]
    pub(crate) show: bool,
    /// The fake RBM API the bot sends its replies to (`rbm api` prints
    /// it): its replies to this delivery are printed. Read from
    /// RBM_API_BASE_URL when not given, the setting the bot reads.
    #[arg(long, value_name = "URL", env = "RBM_API_BASE_URL")]
    pub(crate) api: Option<String>,
    /// With --api, how long to wait for the bot's replies, in seconds (in
    /// inbox mode they come after the 200).
    #[arg(long, default_value_t = 2.0, value_parser = wait_seconds)]
    pub(crate) wait: f64,
    /// What to send.
    #[command(subcommand)]
    pub(crate) kind: Kind,
}

/// `rbm api`.
#[derive(Debug, Args)]
pub(crate) struct ApiArgs {
    /// The port to listen on, on 127.0.0.1 (0: a free one, printed).
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
}

/// `--wait`: a number of seconds from 0 to an hour.
fn wait_seconds(value: &str) -> Result<f64, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number of seconds"))?;
    if (0.0..=3600.0).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!("{value} is not between 0 and 3600 seconds"))
    }
}

/// The payload kinds `rbm send` can send.
#[derive(Debug, Subcommand)]
pub(crate) enum Kind {
    /// A text message.
    Text {
        /// The text.
        text: String,
    },
    /// A tap on a suggestion: its postback data.
    Postback {
        /// The suggestion's postback data.
        data: String,
        /// The suggestion's label (default: the postback data).
        #[arg(long)]
        text: Option<String>,
        /// A tap on a suggested action (sent with an eventId, no messageId).
        #[arg(long)]
        action: bool,
    },
    /// A shared location.
    Location {
        /// Degrees north.
        #[arg(allow_negative_numbers = true)]
        latitude: f64,
        /// Degrees east.
        #[arg(allow_negative_numbers = true)]
        longitude: f64,
    },
    /// A file the user sends.
    File {
        /// The file's URL.
        url: String,
        /// Its MIME type.
        #[arg(default_value = "image/jpeg")]
        mime: String,
    },
    /// A user event.
    Event {
        /// What happened.
        event: EventKind,
        /// For delivered and read: the agent message concerned.
        #[arg(long)]
        message_id: Option<String>,
    },
    /// A TTL server event about an agent message.
    Ttl {
        /// What happened to the expired message.
        outcome: TtlOutcome,
        /// The agent message concerned.
        #[arg(long, default_value = "00000000-0000-4000-8000-000000000000")]
        message_id: String,
    },
    /// An agent launch event.
    Launch {
        /// The new launch state.
        state: LaunchKind,
        /// The previous launch state.
        #[arg(long, default_value = "pending")]
        from: LaunchKind,
    },
    /// A payload given as JSON, as it is (unknown kinds, edge cases).
    Raw {
        /// The payload JSON (the decoded `message.data`).
        json: String,
    },
}

/// The user events.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum EventKind {
    /// DELIVERED: the agent's message reached the phone.
    Delivered,
    /// READ: the user read the agent's message.
    Read,
    /// IS_TYPING: the user is typing.
    Typing,
    /// SUBSCRIBE: the user subscribed.
    Subscribe,
    /// UNSUBSCRIBE: the user unsubscribed.
    Unsubscribe,
}

/// The TTL server events.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum TtlOutcome {
    /// TTL_EXPIRATION_REVOKED.
    Revoked,
    /// TTL_EXPIRATION_REVOKE_FAILED.
    RevokeFailed,
}

/// The launch states.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum LaunchKind {
    /// UNLAUNCHED.
    Unlaunched,
    /// PENDING.
    Pending,
    /// LAUNCHED.
    Launched,
    /// REJECTED.
    Rejected,
    /// SUSPENDED.
    Suspended,
}

/// `rbm verify`.
#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// The webhook URL, with its path.
    pub(crate) url: String,
    /// The client token configured for the webhook in the console. Read
    /// from RBM_CLIENT_TOKEN when not given, which keeps it out of the shell
    /// history and `ps`.
    #[arg(long, env = TOKEN_ENV, hide_env_values = true)]
    pub(crate) token: String,
}

/// `rbm inbox`.
#[derive(Debug, Args)]
pub(crate) struct InboxArgs {
    /// What to do with the inbox.
    #[command(subcommand)]
    pub(crate) command: InboxCommand,
}

/// The `rbm inbox` commands.
#[derive(Debug, Subcommand)]
pub(crate) enum InboxCommand {
    /// How many entries wait, retry and died, and how old the oldest is.
    Status {
        /// The store.
        #[command(flatten)]
        store: StoreArg,
        /// Print one JSON object instead (for scripts).
        #[arg(long)]
        json: bool,
    },
    /// List the dead letters, oldest first: id, age, attempts, kind, sender
    /// (masked), webhook path and the error they died of.
    Dead {
        /// The store.
        #[command(flatten)]
        store: StoreArg,
        /// Show at most this many.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        /// Print one JSON object instead (for scripts).
        #[arg(long)]
        json: bool,
    },
    /// Move dead letters back to the end of the inbox, to be handled again.
    Retry(DeadSelection),
    /// Delete dead letters for good (a redelivery of them stays a duplicate).
    Drop(DeadSelection),
}

/// Where the store is: the same settings as the server's.
#[derive(Debug, Args)]
pub(crate) struct StoreArg {
    /// The bot's store: sqlite://PATH, a relative PATH being relative to the
    /// working directory (run the command where the server runs), or
    /// redis://[user:password@]host:port[/db].
    #[arg(long = "store", value_name = "URL", env = "RBM_STORE", hide_env_values = true, default_value = StoreUrl::DEFAULT)]
    pub(crate) url: String,
    /// With a Redis store: the prefix of the bot's keys.
    #[arg(long, value_name = "PREFIX", env = "RBM_REDIS_PREFIX", default_value = StoreUrl::DEFAULT_REDIS_PREFIX)]
    pub(crate) redis_prefix: String,
}

/// Which dead letters `rbm inbox retry` and `rbm inbox drop` apply to.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["id", "all"])))]
pub(crate) struct DeadSelection {
    /// The dead letter's id, as `rbm inbox dead` lists it.
    #[arg(value_parser = clap::value_parser!(i64).range(1..))]
    pub(crate) id: Option<i64>,
    /// Every dead letter.
    #[arg(long)]
    pub(crate) all: bool,
    /// The store.
    #[command(flatten)]
    pub(crate) store: StoreArg,
}
