//! `rbm chat --web`: the conversation on a local page, as a phone shows it,
//! driven by the same engine as the terminal chat. The page (plain HTML,
//! CSS and JavaScript built into the binary) is served on 127.0.0.1 only and
//! kept up to date over Server-Sent Events; any number of tabs can watch.

mod assets;
mod feed;
mod hub;
mod open;
mod page;
mod server;
mod sse;
mod user_files;

use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::engine::Engine;
use crate::cli::ChatArgs;
use crate::error::CliError;
use crate::signals::{Signals, Stop};
use page::Page;

/// How often the fake API is read for what the bot sent by itself (after
/// a delivery it is read at once).
const POLL: Duration = Duration::from_millis(100);

/// How long the tabs get to receive the last status before the server stops.
const FAREWELL: Duration = Duration::from_millis(100);

/// Serves the page until Ctrl-C (or the bot's exit, or another signal).
/// Returns once the server and all its connections have ended.
pub(crate) async fn run(
    engine: Arc<Engine>,
    args: &ChatArgs,
    signals: &mut Signals,
) -> Result<(), CliError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, args.web.port))
        .await
        .map_err(CliError::io("listening on 127.0.0.1 for the page"))?;
    let port = listener
        .local_addr()
        .map_err(CliError::io("listening on 127.0.0.1 for the page"))?
        .port();
    let phones = phones(&args.phone, args.web.users);
    let page = Arc::new(Page::new(Arc::clone(&engine), &phones, port)?);
    let url = format!("{}/", page.origin);
    println!("rbm chat: the conversation is on {url} (Ctrl-C to stop).");
    if args.web.open {
        open::browser(&url);
    }
    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(server::serve(listener, Arc::clone(&page), stopped));

    let mut ready = false;
    let result = tokio::select! {
        result = converse(&page, &mut ready, Duration::from_secs(args.ready_timeout)) => result,
        stop = signals.recv() => {
            // Ctrl-C once the page works is the way to leave; any other
            // signal, or one while the bot starts, ends the tool with its code.
            if stop == Stop::Interrupt && ready {
                Ok(())
            } else {
                Err(CliError::Stopped { signal: stop.name(), code: stop.exit_code() })
            }
        }
    };
    let why = match &result {
        Ok(()) => "rbm chat was stopped".to_owned(),
        Err(error) => error.to_string(),
    };
    page.hub
        .publish(json!({"type": "status", "ready": false, "error": why}));
    // A moment for the open tabs to receive it before their streams end.
    tokio::time::sleep(FAREWELL).await;
    let _ = stop.send(true);
    let _ = server.await;
    result
}

/// Waits for the bot, then keeps the page up to date until the bot exits.
async fn converse(page: &Page, ready: &mut bool, timeout: Duration) -> Result<(), CliError> {
    if let Some(bot) = page.first_bot()
        && let Some(line) = page.engine.wait_ready(bot, timeout).await?
    {
        println!("{line}");
    }
    page.set_ready();
    *ready = true;
    let mut tick = tokio::time::interval(POLL);
    loop {
        tick.tick().await;
        if let Some(error) = page.engine.exited() {
            return Err(error);
        }
        page.feed.pump();
    }
}

/// The phone numbers of `users` users: `first`, then the numbers after it
/// (their last four digits counting up, so that the bot's masked logs tell
/// them apart).
fn phones(first: &str, users: u8) -> Vec<String> {
    let digits_at = first
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit())
        .take(4)
        .last()
        .map_or(first.len(), |(at, _)| at);
    let (head, tail) = first.split_at(digits_at);
    let base: u32 = tail.parse().unwrap_or(0);
    let modulus = 10u32.pow(u32::try_from(tail.len()).unwrap_or(4));
    (0..u32::from(users.max(1)))
        .map(|i| {
            if i == 0 {
                return first.to_owned();
            }
            let width = tail.len();
            let next = (base + i) % modulus.max(1);
            format!("{head}{next:0width$}")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_users_count_up_from_the_first() {
        assert_eq!(phones("+12223334444", 1), vec!["+12223334444"]);
        assert_eq!(
            phones("+12223334444", 3),
            vec!["+12223334444", "+12223334445", "+12223334446"]
        );
        assert_eq!(
            phones("+35840009999", 2),
            vec!["+35840009999", "+35840000000"]
        );
    }
}
