// A handler's error type decides whether the delivery is retried when it
// implements `Retryable`, also behind a type alias; any `Display` error
// still compiles (and is retryable).
use rbm_runtime::prelude::*;

struct Bot;

#[derive(Debug)]
struct Gone;

impl std::fmt::Display for Gone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("gone")
    }
}

impl Retryable for Gone {
    fn is_retryable(&self) -> bool {
        false
    }
}

type Answer = Result<Reply, Gone>;

#[rbm_agent]
impl Bot {
    #[on_message(text = "mine")]
    async fn mine(&self) -> Result<Vec<Reply>, Gone> {
        Err(Gone)
    }

    #[on_message(text = "alias")]
    async fn alias(&self) -> Answer {
        Ok(Reply::text("fine"))
    }

    #[on_message(text = "send")]
    async fn send(&self, ctx: &Context) -> Result<(), SendError> {
        ctx.typing().await
    }

    #[on_message(text = "plain")]
    async fn plain(&self) -> Result<Option<Reply>, std::fmt::Error> {
        Ok(None)
    }
}

pub(crate) fn main() {
    fn agent<A: Agent>(_: &A) {}
    agent(&Bot);
}
