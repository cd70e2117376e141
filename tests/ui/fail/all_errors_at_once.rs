// Every error of the impl is reported together, and the impl itself is
// still emitted: `Bot::helper` and the valid routes keep compiling.
use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(regex = "(")]
    async fn broken(&self) {}

    #[on_message(txet = "hi")]
    async fn typo(&self) {}

    #[on_message(text = "ok")]
    async fn fine(&self, _at: Location) {}

    fn helper(&self) -> u8 {
        1
    }
}

fn main() {
    let _ = Bot.helper();
    let _ = Bot.routes();
}
