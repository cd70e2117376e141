use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "hi", postback = "hi")]
    async fn both(&self) {}

    #[on_message(location, ignore_case)]
    async fn case(&self) {}

    #[on_message(file, mime = "image")]
    async fn mime(&self) {}

    #[on_message(prefix = "")]
    async fn empty(&self) {}

    #[on_message(postback = "{a}{b}")]
    async fn glued(&self, a: String, b: String) {
        let _ = (a, b);
    }

    #[on_message(text = 42)]
    async fn number(&self) {}

    #[on_event(read = "yes")]
    async fn valued(&self) {}

    #[on_unknown(x)]
    async fn unknown(&self) {}
}

fn main() {}
