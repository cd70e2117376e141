use rbm_runtime::prelude::*;

#[derive(Default, serde::Serialize, serde::Deserialize)]
enum Order {
    #[default]
    Browsing,
}

struct Shop;

#[rbm_agent]
impl Shop {
    #[on_message(text)]
    async fn text(&self, text: Text, order: &mut Order) {
        let _ = (text, order);
    }
}

fn main() {}
