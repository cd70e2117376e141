use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "where")]
    async fn where_(&self, _text: Text, _at: Location) {}

    #[on_event(read)]
    async fn read(&self, _text: Text) {}

    #[on_message(postback = "size:{size}")]
    async fn size(&self, size: Vec<u8>) {
        let _ = size;
    }

    #[on_message(location)]
    async fn location(&self, _at: String) {}
}

fn main() {}
