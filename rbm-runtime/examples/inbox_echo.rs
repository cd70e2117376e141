//! The agent of the inbox end-to-end tests (`tests/inbox_process.rs`):
//! answers every text with the same text. A text that starts with `fail`
//! fails for good while the file named by `ECHO_FAIL_FILE` exists, so a test
//! can make dead letters and then let their retry succeed; one that starts
//! with `panic` panics then. `ECHO_DELAY_MS`
//! makes every handler take that long (a slow service, for benchmarks).

use std::path::PathBuf;

use rbm_runtime::protocol::Payload;
use rbm_runtime::{Agent, Context, Delivery, HandlerError, HandlerResult, Reply};

struct InboxEcho {
    fail_file: Option<PathBuf>,
    delay: std::time::Duration,
}

impl Agent for InboxEcho {
    async fn handle(&self, delivery: &Delivery, _ctx: &Context) -> HandlerResult {
        let Payload::Message(message) = &delivery.payload else {
            return Ok(Vec::new());
        };
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        let text = message.text().unwrap_or_default();
        let told_to_fail = self.fail_file.as_ref().is_some_and(|file| file.exists());
        if text.starts_with("fail") && told_to_fail {
            return Err(HandlerError::permanent("told to fail"));
        }
        assert!(
            !(text.starts_with("panic") && told_to_fail),
            "told to panic"
        );
        Ok(vec![Reply::text(text)])
    }
}

#[tokio::main]
async fn main() -> Result<(), rbm_runtime::Error> {
    let fail_file = std::env::var_os("ECHO_FAIL_FILE").map(PathBuf::from);
    let delay = std::env::var("ECHO_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(std::time::Duration::ZERO, std::time::Duration::from_millis);
    rbm_runtime::serve_from_env(InboxEcho { fail_file, delay }).await
}
