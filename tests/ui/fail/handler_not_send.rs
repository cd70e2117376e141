use std::rc::Rc;

use rbm_runtime::prelude::*;

struct Bot;

async fn save(_count: usize) {}

#[rbm_agent]
impl Bot {
    #[on_message(text)]
    async fn count(&self, text: Text) -> Reply {
        let shared = Rc::new(text.len());
        save(*shared).await;
        Reply::text(format!("{shared} characters"))
    }
}

fn main() {}
