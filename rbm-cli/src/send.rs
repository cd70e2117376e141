//! `rbm send`: one signed delivery, the status it got, and the replies the
//! bot sent to `rbm api` for it.

use std::time::Duration;

use rbm_runtime::testing::fake_api::{RecordedRequest, RemoteFakeApi};
use rbm_runtime::testing::{Google, HttpBot, StatusCode, read_sent};

use crate::cli::SendArgs;
use crate::error::CliError;
use crate::{kinds, render};

/// How often the fake is asked for new replies.
const POLL: Duration = Duration::from_millis(50);
/// Once a reply came, how long without another one ends the wait: a
/// handler's replies are sent one right after the other.
const QUIET: Duration = Duration::from_millis(300);

/// Sends the delivery; `Ok(false)` when the webhook did not answer 200.
pub(crate) async fn run(args: SendArgs) -> Result<bool, CliError> {
    let google = Google::new(&args.token)
        .sender(&args.phone)
        .agent_id(&args.agent_id);
    let push = kinds::builder(&google, args.kind).build();
    if args.show {
        println!("payload: {}", String::from_utf8_lossy(push.data()));
    }
    let fake = match &args.api {
        Some(url) => Some(Replies::watch(url).await?),
        None => None,
    };
    let bot = HttpBot::new(&args.url, &args.token)?;
    let (status, _, body) = bot.transport().post(&push.headers(), push.body()).await?;
    println!("POST {} -> {status}", args.url);
    if !body.is_empty() {
        println!("body: {}", String::from_utf8_lossy(&body));
    }
    let accepted = status == StatusCode::OK;
    if !accepted {
        eprintln!("{}", meaning(status));
    }
    if let Some(fake) = fake {
        // A refused delivery was not handled: only what came with it shows.
        let wait = if accepted {
            Duration::from_secs_f64(args.wait)
        } else {
            Duration::ZERO
        };
        fake.show(&args.phone, wait).await;
    }
    Ok(accepted)
}

/// The replies a bot sends to a fake RBM API in another process.
struct Replies {
    fake: RemoteFakeApi,
    /// How many requests it had answered before the delivery.
    before: usize,
}

impl Replies {
    /// Notes where the fake at `url` stands, before the delivery.
    async fn watch(url: &str) -> Result<Self, CliError> {
        let fake = RemoteFakeApi::new(url)?;
        let (_, before) = fake
            .requests_after(usize::MAX)
            .await
            .map_err(|source| CliError::FakeApi { source })?;
        Ok(Self { fake, before })
    }

    /// Waits up to `wait` for what the bot sends to `phone` after the
    /// delivery, and prints it as `rbm chat` does.
    async fn show(self, phone: &str, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        let mut sent: Vec<RecordedRequest> = Vec::new();
        let mut last_seen = None;
        loop {
            match self.fake.requests_after(self.before).await {
                Ok((requests, _)) => {
                    if requests.len() > sent.len() {
                        last_seen = Some(tokio::time::Instant::now());
                    }
                    sent = requests;
                }
                Err(error) => {
                    eprintln!("rbm send: cannot read the replies: {error}");
                    return;
                }
            }
            let now = tokio::time::Instant::now();
            let quiet = last_seen.is_some_and(|seen| now >= seen + QUIET);
            if quiet || now >= deadline {
                break;
            }
            tokio::time::sleep(POLL).await;
        }
        let (messages, events) = read_sent(&sent, Some(phone));
        for event in &events {
            println!("{}", render::event(event));
        }
        for line in render::messages(&messages).lines {
            println!("{line}");
        }
        if messages.is_empty() && events.is_empty() {
            println!(
                "     (no reply reached {} within {:.1} s)",
                self.fake.base_url(),
                wait.as_secs_f64()
            );
        }
    }
}

/// What a status means to Google (docs/protocol.md#acknowledgement-retries-and-duplicates).
fn meaning(status: StatusCode) -> String {
    let why = match status.as_u16() {
        401 => "the signature was refused: is --token the webhook's client token?",
        404 => "no webhook on this path: check the URL's path (RBM_WEBHOOK_PATH)",
        400 => "the webhook could not read the delivery",
        500..=599 => "the bot failed to handle it: Google would redeliver it",
        _ => "anything but 200 is a delivery failure to Google: it would redeliver",
    };
    format!("not delivered ({status}): {why}")
}
