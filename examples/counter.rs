//! A counter per user, kept in the conversation state: `count` answers how
//! many times this user has said `count` (1, 2, ...), `reset` starts again
//! from 0, anything else is answered `say count or reset`. The state lives
//! in the default store, so it survives a restart.
//!
//! ```text
//! RBM_CLIENT_TOKEN=my-client-token cargo run --example counter
//! ```

use rbm_runtime::prelude::*;
use serde::{Deserialize, Serialize};

/// What the bot remembers of each user.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// How many times the user said `count` since the last `reset`.
    pub count: u64,
}

/// The counter agent.
#[derive(Debug, Default)]
pub struct Counter;

#[rbm_agent(state = Tally)]
impl Counter {
    /// Counts one more.
    #[on_message(text = "count", ignore_case)]
    async fn count(&self, tally: &mut Tally) -> Reply {
        tally.count += 1;
        Reply::text(tally.count.to_string())
    }

    /// Starts again from zero.
    #[on_message(text = "reset", ignore_case)]
    async fn reset(&self, tally: &mut Tally) -> Reply {
        *tally = Tally::default();
        Reply::text("0")
    }

    /// Anything else.
    #[on_message]
    async fn other(&self) -> Reply {
        Reply::text("say count or reset")
    }
}

#[tokio::main]
async fn main() -> Result<(), rbm_runtime::Error> {
    rbm_runtime::serve_from_env(Counter).await
}
