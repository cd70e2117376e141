use rbm_runtime::prelude::*;

#[derive(Default, serde::Serialize, serde::Deserialize)]
enum Order {
    #[default]
    Browsing,
    Paying { total: u32 },
}

struct Shop;

#[rbm_agent(state = Order)]
impl Shop {
    #[on_message(text = "pay", state = "Payng")]
    async fn pay(&self) {}

    #[on_event(read, state = "Checkout")]
    async fn read(&self) {}
}

fn main() {}
