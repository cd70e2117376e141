use rbm_runtime::prelude::*;

struct Shop;

#[rbm_agent]
impl Shop {
    #[on_message(text = "pay", state = "Paying")]
    async fn pay(&self) {}

    #[on_message(text = "help")]
    async fn help(&self) {}
}

fn main() {}
