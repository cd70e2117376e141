//! The command line: every command, argument and its `--help`.

use std::num::NonZeroU32;

use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};
use rbm_runtime::store::StoreUrl;

/// The environment variable `--token` is read from when not given: the same
/// one the bot reads its client token from.
const TOKEN_ENV: &str = "RBM_CLIENT_TOKEN";

/// Develop Google RBM agents locally: chat with a bot, send it signed
/// deliveries, play the RBM API for it, check its webhook the way the RBM
/// console does, look after a bot's inbox; and use the real RBM API:
/// capabilities, reachability, testers, uploads, messages and campaigns.
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
    /// Chat with a bot in the terminal, or in the browser with --web, with
    /// this tool playing Google.
    ///
    /// Starts the bot with PORT, BIND, RBM_CLIENT_TOKEN, RBM_API_BASE_URL and
    /// GOOGLE_APPLICATION_CREDENTIALS set so that it talks to this tool
    /// only, then sends what you type as signed deliveries and shows its
    /// replies. Example: `rbm chat -- cargo run --example echo`; with
    /// `--web`, a page on 127.0.0.1 shows the conversation as a phone
    /// would: `rbm chat --web --open -- cargo run --example pizza`.
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
    /// accept the answer, and why not. For an https:// URL, first checks the
    /// certificate as Google does (trusted chain, name, expiry).
    Verify(VerifyArgs),
    /// Look into a bot's inbox and deal with its dead letters.
    ///
    /// Works on the store the server uses (RBM_STORE), also while the server
    /// runs: a running server picks up retried dead letters by itself.
    Inbox(InboxArgs),
    /// Ask the RBM API whether a number can receive the agent's messages,
    /// and what its device supports (one feature a line).
    ///
    /// Exit code 0 when it is reachable, 1 when not. Uses the credentials
    /// and settings the server reads: GOOGLE_APPLICATION_CREDENTIALS (or
    /// gcloud's application-default credentials, or the metadata server),
    /// RBM_AGENT_ID, RBM_API_BASE_URL.
    Capability(CapabilityArgs),
    /// Print the numbers of a list that can receive the agent's messages,
    /// one a line (users.batchGet), and how many on stderr.
    Reachable(ReachableArgs),
    /// Manage the testers of an agent that is not launched yet.
    Tester(TesterArgs),
    /// Upload a file (a local path or an http(s) URL) to the RBM platform
    /// and print its name (`files/…`), to send with
    /// `rbm send-message --uploaded-file`.
    Upload(UploadArgs),
    /// Send one message to one number and print its id and send time.
    SendMessage(SendMessageArgs),
    /// Send one message to every number of a list, at a steady rate, with
    /// the progress kept in the store (RBM_STORE).
    ///
    /// Run again with the same --name to resume an interrupted campaign:
    /// every number gets the message once. Ctrl-C stops it; what was
    /// recorded stays.
    Campaign(CampaignArgs),
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
    /// The page of `--web`.
    #[command(flatten)]
    pub(crate) web: WebArgs,
    /// The command that starts the bot, after `--`.
    #[arg(last = true, value_name = "BOT COMMAND")]
    pub(crate) command: Vec<String>,
}

/// `rbm chat --web`: the conversation on a local page.
#[derive(Debug, Args)]
pub(crate) struct WebArgs {
    /// Show the conversation on a page served on 127.0.0.1, as a phone
    /// would: cards, carousels, chips, media, receipts, and each exchange's
    /// JSON. The page's address is printed; Ctrl-C stops.
    #[arg(long)]
    pub(crate) web: bool,
    /// With --web, open the page in the default browser.
    #[arg(long, requires = "web")]
    pub(crate) open: bool,
    /// With --web, the port of the page on 127.0.0.1 (0: a free one).
    #[arg(long, requires = "web", default_value_t = 0)]
    pub(crate) port: u16,
    /// With --web, how many users chat with the bot at once, side by side
    /// (the first is --phone, the others numbers after it).
    #[arg(long, requires = "web", default_value_t = 1,
          value_parser = clap::value_parser!(u8).range(1..=4))]
    pub(crate) users: u8,
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
    /// Trust only the CA certificates of this PEM file for an https://
    /// webhook, instead of the system's (a private CA, for tests).
    #[arg(long, value_name = "FILE")]
    pub(crate) ca: Option<std::path::PathBuf>,
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

/// The agent the RBM API commands act for.
#[derive(Debug, Args)]
pub(crate) struct AgentArg {
    /// The agent's id (`name@rbm.goog`, from the RBM console). Default:
    /// RBM_AGENT_ID, as the server reads it.
    #[arg(long, value_name = "ID")]
    pub(crate) agent_id: Option<String>,
}

/// `rbm capability`.
#[derive(Debug, Args)]
pub(crate) struct CapabilityArgs {
    /// The phone number (E.164, `+12223334444`).
    pub(crate) phone: String,
    /// The agent.
    #[command(flatten)]
    pub(crate) agent: AgentArg,
}

/// `rbm reachable`.
#[derive(Debug, Args)]
pub(crate) struct ReachableArgs {
    /// The file of numbers (E.164), one a line (`-`: standard input). Blank
    /// lines and `#` comments are skipped.
    pub(crate) file: String,
    /// The agent.
    #[command(flatten)]
    pub(crate) agent: AgentArg,
}

/// `rbm tester`.
#[derive(Debug, Args)]
pub(crate) struct TesterArgs {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: TesterCommand,
}

/// The `rbm tester` commands.
#[derive(Debug, Subcommand)]
pub(crate) enum TesterCommand {
    /// Invite a number to test the agent and print the invitation's status
    /// (PENDING until the user accepts; inviting again just asks).
    Invite {
        /// The phone number (E.164).
        phone: String,
        /// The agent.
        #[command(flatten)]
        agent: AgentArg,
    },
}

/// `rbm upload`.
#[derive(Debug, Args)]
pub(crate) struct UploadArgs {
    /// A local file (uploaded as bytes) or an http(s) URL the platform
    /// fetches the file from.
    #[arg(value_name = "PATH|URL")]
    pub(crate) source: String,
    /// A thumbnail at a public http(s) URL (else the platform makes one).
    #[arg(long, value_name = "URL")]
    pub(crate) thumbnail: Option<String>,
    /// A description of the file for screen readers.
    #[arg(long, value_name = "TEXT")]
    pub(crate) description: Option<String>,
    /// The content type of a local file (default: from its extension).
    #[arg(long, value_name = "TYPE")]
    pub(crate) content_type: Option<String>,
    /// The agent.
    #[command(flatten)]
    pub(crate) agent: AgentArg,
}

/// The message `rbm send-message` and `rbm campaign` send: exactly one of
/// the simple forms.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub(crate) struct MessageArg {
    /// A text message.
    #[arg(long)]
    pub(crate) text: Option<String>,
    /// A file the platform fetches from this http(s) URL.
    #[arg(long, value_name = "URL")]
    pub(crate) file_url: Option<String>,
    /// A file uploaded beforehand (`rbm upload`), by its name `files/…`.
    #[arg(long, value_name = "NAME")]
    pub(crate) uploaded_file: Option<String>,
}

/// `rbm send-message`.
#[derive(Debug, Args)]
pub(crate) struct SendMessageArgs {
    /// The recipient (E.164).
    pub(crate) phone: String,
    /// What to send.
    #[command(flatten)]
    pub(crate) message: MessageArg,
    /// Derive the message id from this key (an order number, a date): the
    /// same key to the same number is sent once, however often the command
    /// runs. Without it every run sends a new message.
    #[arg(long)]
    pub(crate) key: Option<String>,
    /// The agent.
    #[command(flatten)]
    pub(crate) agent: AgentArg,
}

/// `rbm campaign`.
#[derive(Debug, Args)]
pub(crate) struct CampaignArgs {
    /// The file of numbers (E.164), one a line (`-`: standard input). Blank
    /// lines and `#` comments are skipped, repeats sent once.
    pub(crate) file: String,
    /// What to send.
    #[command(flatten)]
    pub(crate) message: MessageArg,
    /// The campaign's name: letters, digits, `-`, `_`, `.`. The same name
    /// resumes the campaign; a new name sends to every number again.
    #[arg(long)]
    pub(crate) name: String,
    /// Messages a second (default 20, under a new project's quota).
    #[arg(long, value_name = "N", conflicts_with = "unlimited")]
    pub(crate) rate: Option<NonZeroU32>,
    /// No rate limit: as fast as --concurrency and the API's quota allow.
    #[arg(long)]
    pub(crate) unlimited: bool,
    /// Do not ask users.batchGet first which numbers are reachable: a
    /// send's 404 says so instead.
    #[arg(long)]
    pub(crate) no_precheck: bool,
    /// Sends in flight at once.
    #[arg(long, value_name = "N", default_value_t = u16::try_from(rbm_runtime::campaign::DEFAULT_CONCURRENCY).unwrap_or(16), value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) concurrency: u16,
    /// Where the progress is kept.
    #[command(flatten)]
    pub(crate) store: StoreArg,
    /// The agent.
    #[command(flatten)]
    pub(crate) agent: AgentArg,
}
