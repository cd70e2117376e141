//! `rbm chat`: a conversation with a bot, this tool playing Google on both
//! sides (signed deliveries in; the RBM API and its token endpoint out), in
//! the terminal or, with `--web`, on a local page that shows it as a phone
//! would.

mod bot_process;
mod delivery_log;
mod engine;
mod input;
mod terminal;
mod web;

use std::sync::Arc;

use crate::cli::ChatArgs;
use crate::error::CliError;
use crate::signals::Signals;
use engine::Engine;

/// What to do when no bot is named.
const NO_BOT: &str = "rbm chat needs the command that starts your bot, after `--`:
    rbm chat -- cargo run --example echo
    rbm chat -- ./target/debug/my-bot
or the URL and client token of a bot that is already running:
    rbm chat --url http://127.0.0.1:8080/ --token MY_CLIENT_TOKEN";

/// Runs the chat until the person leaves (`/quit`, end of input or Ctrl-C
/// in the terminal; Ctrl-C with `--web`). A bot it started is stopped on
/// every way out: those, errors, SIGTERM and SIGHUP, and Ctrl-C while the
/// bot is still starting.
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
    let engine = Arc::new(Engine::start(&args).await?);
    let result = if args.web.web {
        // Returns once every task of the page has ended: the engine is
        // this function's alone again.
        web::run(Arc::clone(&engine), &args, &mut signals).await
    } else {
        terminal::run(&engine, &args, &mut signals).await
    };
    engine.stop().await;
    // The key file's directory goes with the engine, after the bot stopped.
    drop(engine);
    result
}
