use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(regex = r"^order (?<qty>\d+$")]
    async fn order(&self, _qty: u32) {}
}

fn main() {}
