use rbm_runtime::prelude::*;

#[derive(Default, serde::Serialize, serde::Deserialize)]
enum Order {
    #[default]
    Browsing,
}

struct Shop;

#[rbm_agent(state = Order)]
impl Shop {
    #[on_message(text)]
    async fn text(&self, order: &mut Order, text: Text, again: &mut Order) {
        let _ = (order, text, again);
    }
}

fn main() {}
