use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message]
    async fn first(&self) {}

    #[on_message]
    async fn second(&self) {}
}

fn main() {}
