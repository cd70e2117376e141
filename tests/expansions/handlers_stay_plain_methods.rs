//! Handlers are ordinary methods: callable directly, in a generic impl too.

use rbm_runtime::prelude::*;

struct Greeter<T> {
    greeting: T,
}

#[rbm_agent]
impl<T: std::fmt::Display + Send + Sync + 'static> Greeter<T> {
    /// Greets by name.
    #[on_message(postback = "greet:{name}")]
    async fn greet(&self, name: String) -> Reply {
        Reply::text(format!("{} {name}", self.greeting))
    }
}

pub(crate) fn main() {
    let greeter = Greeter { greeting: "Hello" };
    let reply = futures_free_block_on(greeter.greet("Ada".to_string()));
    assert_eq!(reply.as_text(), Some("Hello Ada"));
    let route = greeter.routes()[0];
    assert_eq!(
        (route.name, route.pattern, route.doc),
        (
            "greet",
            "on_message(postback = \"greet:{name}\")",
            "Greets by name."
        )
    );
}

fn futures_free_block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime")
        .block_on(future)
}
