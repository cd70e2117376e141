use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "hi")]
    fn hi(&self) -> Reply {
        Reply::text("hello")
    }
}

fn main() {}
