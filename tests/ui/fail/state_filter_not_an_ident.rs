use rbm_runtime::prelude::*;

#[derive(Default, serde::Serialize, serde::Deserialize)]
enum Order {
    #[default]
    Browsing,
}

struct Shop;

#[rbm_agent(state = Order)]
impl Shop {
    #[on_message(text = "a", state = "not an ident")]
    async fn a(&self) {}

    #[on_message(text = "b", state = "Order::Browsing")]
    async fn b(&self) {}

    #[on_message(text = "c", state)]
    async fn c(&self) {}

    #[on_unknown(state = "Browsing", state = "Browsing")]
    async fn d(&self) {}
}

fn main() {}
