//! `rbm send`: one signed delivery, and the status it got.

use rbm_runtime::testing::{Google, HttpBot, StatusCode};

use crate::cli::SendArgs;
use crate::error::CliError;
use crate::kinds;

/// Sends the delivery; `Ok(false)` when the webhook did not answer 200.
pub(crate) async fn run(args: SendArgs) -> Result<bool, CliError> {
    let google = Google::new(&args.token)
        .sender(&args.phone)
        .agent_id(&args.agent_id);
    let push = kinds::builder(&google, args.kind).build();
    if args.show {
        println!("payload: {}", String::from_utf8_lossy(push.data()));
    }
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
    Ok(accepted)
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
