use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    // `count` is close to no segment; `data` is an extractor.
    #[on_message(postback = "add:{size}:{qty}")]
    async fn add(&self, size: String, qty: u8, count: Option<u32>, data: PostbackData) {
        let _ = (size, qty, count, data);
    }

    // An exact postback has no segments to take.
    #[on_message(postback = "yes")]
    async fn yes(&self, confirmed: bool) {
        let _ = confirmed;
    }
}

fn main() {}
