//! `rbm api`: rbm's fake RBM API on its own, for a bot started by hand.
//! It shows what the bot sends, and `rbm send --api` reads the replies to
//! the deliveries it sends from it.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use rbm_runtime::testing::fake_api::{FakeFile, FakeRbmApi, RecordedRequest};
use rbm_runtime::testing::read_sent;

use crate::api_lines;
use crate::cli::ApiArgs;
use crate::error::CliError;
use crate::key_dir::KeyDir;
use crate::render;
use crate::signals::Signals;

/// How often the requests the fake answered are looked at.
const POLL: Duration = Duration::from_millis(100);

/// Serves until Ctrl-C, SIGTERM or SIGHUP.
pub(crate) async fn run(args: ApiArgs) -> Result<(), CliError> {
    let mut signals = Signals::watch().map_err(CliError::io("watching for Ctrl-C and SIGTERM"))?;
    let api = FakeRbmApi::builder()
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .start()
        .await
        .map_err(CliError::io("starting the fake RBM API"))?;
    // Kept for as long as the fake runs: the bot reads the key when it starts
    // and again whenever it builds its client.
    let key_dir =
        KeyDir::create().map_err(CliError::io("creating a directory for the key file"))?;
    let key_file = key_dir.file("service-account.json");
    api.write_key_file(&key_file)
        .map_err(CliError::io("writing the service-account key file"))?;
    println!("rbm api: a fake RBM API listens at {}.", api.base_url());
    println!("Start your bot with:");
    println!("  export RBM_API_BASE_URL={}", api.base_url());
    println!(
        "  export GOOGLE_APPLICATION_CREDENTIALS={}",
        key_file.display()
    );
    println!(
        "Its messages show here; `rbm send --api {}` prints the replies to what it sends. Ctrl-C stops.",
        api.base_url()
    );
    let mut shown = 0;
    let mut files_shown = 0;
    let mut recipient = None;
    let stop = loop {
        tokio::select! {
            stop = signals.recv() => break stop,
            () = tokio::time::sleep(POLL) => {
                let requests = api.requests();
                // A file is kept before its request is recorded: every file
                // a shown request created is in this list.
                let files = api.files();
                for request in requests.get(shown..).unwrap_or_default() {
                    let created = api_lines::created_a_file(request).then(|| {
                        files_shown += 1;
                        files.get(files_shown - 1)
                    });
                    show(request, created.flatten(), &mut recipient);
                }
                shown = requests.len();
            }
        }
    };
    println!("rbm api: stopped by {}.", stop.name());
    api.shutdown().await;
    drop(key_dir);
    Ok(())
}

/// Prints one request the bot made: a message or an event, under a line
/// naming its recipient when that changes; anything else (an upload, a
/// tester invite…) on one line of its own.
fn show(request: &RecordedRequest, created: Option<&FakeFile>, recipient: &mut Option<String>) {
    let (messages, events) = read_sent(std::slice::from_ref(request), None);
    let to = messages
        .first()
        .map(|m| &m.phone_number)
        .or_else(|| events.first().map(|e| &e.phone_number));
    let Some(to) = to else {
        println!("{}", api_lines::line(request, created));
        return;
    };
    if recipient.as_ref() != Some(to) {
        println!("to {to}:");
        *recipient = Some(to.clone());
    }
    for event in &events {
        println!("{}", render::event(event));
    }
    for line in render::messages(&messages).lines {
        println!("{line}");
    }
}
