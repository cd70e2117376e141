use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "a", text = "b")]
    async fn twice(&self) {}

    #[on_event(read, read)]
    async fn read_twice(&self) {}

    #[on_message(ignore_case)]
    async fn nothing(&self) {}
}

fn main() {}
