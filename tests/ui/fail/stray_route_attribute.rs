use rbm_runtime::prelude::*;

struct Bot;

impl Bot {
    #[on_message(text = "hi")]
    async fn hi(&self) {}
}

fn main() {}
