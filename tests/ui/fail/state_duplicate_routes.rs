use rbm_runtime::prelude::*;

#[derive(Default, serde::Serialize, serde::Deserialize)]
enum Order {
    #[default]
    Browsing,
    Paying,
}

struct Shop;

#[rbm_agent(state = Order)]
impl Shop {
    // Fine: one matcher in two states, and in none.
    #[on_message(text = "help", state = "Browsing")]
    #[on_message(text = "help", state = "Paying")]
    #[on_message(text = "help")]
    async fn help(&self) {}

    // The same matcher in the same state twice: the second never runs.
    #[on_message(state = "Paying", text = "help")]
    async fn help_again(&self) {}

    #[on_message(postback = "qty:{n}", state = "Paying")]
    async fn qty(&self, n: u32) {
        let _ = n;
    }

    #[on_message(postback = "qty:{count}", state = "Paying")]
    async fn qty_again(&self, count: u32) {
        let _ = count;
    }

    #[on_message(state = "Paying")]
    async fn fallback(&self) {}

    #[on_message(state = "Paying")]
    async fn fallback_again(&self) {}
}

fn main() {}
