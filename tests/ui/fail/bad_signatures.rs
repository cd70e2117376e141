use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "a")]
    async fn by_value(self) {}

    #[on_message(text = "b")]
    async fn by_mut(&mut self) {}

    #[on_message(text = "c")]
    async fn generic<T>(&self) {}
}

fn main() {}
