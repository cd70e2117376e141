use rbm_runtime::prelude::*;

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Order;

struct NoType;

#[rbm_agent(state)]
impl NoType {
    #[on_message]
    async fn any(&self) {}
}

struct Quoted;

#[rbm_agent(state = "Order")]
impl Quoted {
    #[on_message]
    async fn any(&self) {}
}

struct Twice;

#[rbm_agent(state = Order, read_receipts, state = Order)]
impl Twice {
    #[on_message]
    async fn any(&self) {}
}

fn main() {}
