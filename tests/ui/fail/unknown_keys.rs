use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(txt = "hi")]
    async fn hi(&self) {}

    #[on_message(regex = "^a", ignorecase)]
    async fn a(&self) {}

    #[on_event(READ)]
    async fn read(&self) {}

    #[on_message(banana)]
    async fn banana(&self) {}
}

fn main() {}
