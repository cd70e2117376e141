//! The smallest agent there is: accepts every delivery and replies nothing.
//! Used to benchmark the webhook pipeline itself (`cargo build --release
//! -p rbm-runtime --example trivial`).

use rbm_runtime::{Agent, Context, Delivery, HandlerResult};

struct Trivial;

impl Agent for Trivial {
    async fn handle(&self, delivery: &Delivery, _ctx: &Context) -> HandlerResult {
        std::hint::black_box(delivery);
        Ok(Vec::new())
    }
}

#[tokio::main]
async fn main() -> Result<(), rbm_runtime::Error> {
    rbm_runtime::serve_from_env(Trivial).await
}
