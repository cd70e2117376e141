use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(postback = "size:{size}:{crust}")]
    async fn size(&self, size: String) {
        let _ = size;
    }
}

fn main() {}
