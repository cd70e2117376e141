//! `rbm`: chat with an RBM bot locally, send it signed deliveries, play the
//! RBM API for it, verify its webhook, look after its inbox; use the real
//! RBM API (capabilities, reachability, testers, uploads, messages,
//! campaigns). See `rbm --help`.

mod api;
mod api_failure;
mod api_lines;
mod campaign;
mod capability;
mod certificate;
mod chat;
mod cli;
mod connect;
mod error;
mod inbox;
mod key_dir;
mod kinds;
mod message_arg;
mod numbers;
mod reachable;
mod render;
mod send;
mod send_message;
mod signals;
mod tester;
mod upload;
mod verify;

use std::process::ExitCode;

use clap::Parser as _;

use cli::{Cli, Command};
use error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("rbm: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Chat(args) => chat::run(args).await.map(|()| true),
            Command::Send(args) => send::run(args).await,
            Command::Api(args) => api::run(args).await.map(|()| true),
            Command::Verify(args) => verify::run(args).await,
            Command::Inbox(args) => inbox::run(args).await,
            Command::Capability(args) => capability::run(args).await,
            Command::Reachable(args) => reachable::run(args).await,
            Command::Tester(args) => tester::run(args).await,
            Command::Upload(args) => upload::run(args).await,
            Command::SendMessage(args) => send_message::run(args).await,
            Command::Campaign(args) => campaign::run(args).await,
        }
    });
    // Do not wait for tasks blocked on stdin.
    runtime.shutdown_background();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => report(&error),
    }
}

fn report(error: &CliError) -> ExitCode {
    eprintln!("rbm: {error}");
    ExitCode::from(error.exit_code())
}
