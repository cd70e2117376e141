//! `examples/echo.rs`, built and driven over real HTTP.

mod dsl_support;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/echo.rs"]
mod echo;

use dsl_support::Harness;

#[tokio::test]
async fn echo_answers_every_text_with_the_same_text() {
    let bot = Harness::start(echo::Echo).await;
    for text in ["Hello, world!", "STOP", "  spaced  ", "😀"] {
        assert_eq!(bot.text(text).await.text(), text);
    }
    // Not a text: acknowledged, nothing sent.
    let location = bot.location(1.0, 2.0).await;
    assert_eq!((location.status, location.texts.len()), (200, 0));
    bot.stop().await;
}
