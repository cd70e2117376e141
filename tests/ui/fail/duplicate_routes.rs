use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "Menu", ignore_case)]
    async fn menu(&self) {}

    #[on_message(text = "MENU", ignore_case)]
    async fn menu_again(&self) {}

    #[on_message(postback = "size:{a}")]
    async fn size(&self, a: String) {
        let _ = a;
    }

    #[on_message(postback = "size:{b}")]
    async fn size_again(&self, b: String) {
        let _ = b;
    }

    // A `String` segment takes any text: the `u32` one after it never runs.
    #[on_message(postback = "qty:{word}")]
    async fn quantity_word(&self, word: String) {
        let _ = word;
    }

    #[on_message(postback = "qty:{n}")]
    async fn quantity_number(&self, n: u32) {
        let _ = n;
    }

    #[on_message(postback = "n:{n}")]
    async fn number(&self, n: u32) {
        let _ = n;
    }

    // The same type by its full path: unreachable too.
    #[on_message(postback = "n:{m}")]
    async fn number_again(&self, m: core::primitive::u32) {
        let _ = m;
    }

    #[on_event(read)]
    async fn read(&self) {}

    #[on_event(delivered, read)]
    async fn receipts(&self) {}

    #[on_message(command = "/order now")]
    async fn never(&self) {}
}

fn main() {}
