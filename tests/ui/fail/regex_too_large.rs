use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    // Valid syntax, but it compiles to more than the `regex` crate allows:
    // an error here, not a failure at the first message.
    #[on_message(regex = "^a{10000}{10000}$")]
    async fn huge(&self) {}
}

fn main() {}
