use rbm_runtime::prelude::*;

struct Misspelt;

#[rbm_agent(read_reciepts)]
impl Misspelt {
    #[on_message]
    async fn any(&self) {}
}

struct Unknown;

#[rbm_agent(banana, read_receipts = true)]
impl Unknown {
    #[on_message]
    async fn any(&self) {}
}

fn main() {}
