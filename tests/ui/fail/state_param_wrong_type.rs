use rbm_runtime::prelude::*;

#[derive(Default, serde::Serialize, serde::Deserialize)]
enum Order {
    #[default]
    Browsing,
}

struct Cart;

struct Shop;

#[rbm_agent(state = Order)]
impl Shop {
    #[on_message(text)]
    async fn text(&self, cart: &mut Cart) {
        let _ = cart;
    }

    // The same type by another path is fine only for standard paths.
    #[on_message(location)]
    async fn location(&self, order: &mut crate::Order) {
        let _ = order;
    }
}

fn main() {}
