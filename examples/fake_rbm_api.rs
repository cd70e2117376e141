//! A local fake of the RBM API and its OAuth token endpoint, for benchmarks
//! and manual runs of a bot without Google.
//!
//! ```text
//! PORT=18090 RBM_FAKE_KEY_FILE=/tmp/rbm-fake-key.json cargo run --example fake_rbm_api
//! ```
//!
//! It writes a service-account key file whose `token_uri` points at itself,
//! prints the environment a bot needs to send its replies here, and logs how
//! many requests it answered (and over how many connections: far fewer when
//! the bot reuses them) when it gets SIGTERM or ctrl-c.

use std::error::Error;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use rbm_runtime::testing::fake_api::FakeRbmApi;
use tracing_subscriber::EnvFilter;

/// The port used when `PORT` is unset.
const DEFAULT_PORT: u16 = 18090;

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let port = match std::env::var("PORT") {
        Ok(value) => value
            .parse::<u16>()
            .map_err(|error| format!("PORT={value:?} is not a port number: {error}"))?,
        Err(_) => DEFAULT_PORT,
    };
    let key_file = std::env::var_os("RBM_FAKE_KEY_FILE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("rbm-fake-key.json"));

    // A benchmark sends far more requests than anyone reads back: keep the
    // counters, not every request body.
    let fake = FakeRbmApi::builder()
        .bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .record_requests(false)
        .start()
        .await?;
    fake.write_key_file(&key_file)?;

    println!("# The fake RBM API listens on {}", fake.base_url());
    println!(
        "export GOOGLE_APPLICATION_CREDENTIALS={}",
        key_file.display()
    );
    println!("export RBM_API_BASE_URL={}", fake.base_url());
    tracing::info!(address = %fake.address(), key_file = %key_file.display(), "fake RBM API started");

    shutdown_signal().await?;

    let stats = fake.stats();
    tracing::info!(
        requests = stats.requests,
        token_requests = stats.token_requests,
        agent_messages = stats.agent_messages,
        agent_events = stats.agent_events,
        revocations = stats.revocations,
        duplicates = stats.duplicates,
        failures = stats.failures,
        connections = stats.connections,
        "fake RBM API stopping"
    );
    fake.shutdown().await;
    Ok(())
}

/// Resolves on ctrl-c or (on Unix) SIGTERM, whichever comes first.
async fn shutdown_signal() -> std::io::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result,
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await
    }
}
