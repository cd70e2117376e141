//! The smallest agent: answers every text with the same text.
//!
//! ```sh
//! RBM_CLIENT_TOKEN=secret PORT=8080 cargo run --example echo
//! ```

use rbm_runtime::prelude::*;

/// Echoes every text message back to its sender.
pub struct Echo;

#[rbm_agent]
impl Echo {
    /// Sends the text back as it came.
    #[on_message(text)]
    async fn echo(&self, text: Text) -> Reply {
        Reply::text(text.into_inner())
    }
}

#[tokio::main]
async fn main() -> Result<(), rbm_runtime::Error> {
    rbm_runtime::serve_from_env(Echo).await
}
