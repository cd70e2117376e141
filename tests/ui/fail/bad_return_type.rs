use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "hi")]
    async fn hi(&self) -> String {
        "hello".to_string()
    }
}

fn main() {}
