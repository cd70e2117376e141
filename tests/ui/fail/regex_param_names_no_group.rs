use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    // `qty2` is a typo of the group `qty`; `text` is an extractor.
    #[on_message(regex = r"^(?<qty>\d+) (?<size>\w+)$")]
    async fn order(&self, size: String, qty2: u32, text: Text) {
        let _ = (size, qty2, text);
    }

    // A regex without named groups gives a plain value nothing to take.
    #[on_message(regex = r"^\d+ pizzas?$")]
    async fn count(&self, n: Option<u8>, caps: Captures) {
        let _ = (n, caps);
    }
}

fn main() {}
