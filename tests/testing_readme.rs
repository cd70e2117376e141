//! The README's "Testing a bot" example, compiled and run as written.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/pizza.rs"]
mod pizza;

use pizza::Pizza;
use rbm_runtime::testing::TestBot;

#[tokio::test]
async fn greets_and_shows_the_menu() {
    let bot = TestBot::new(Pizza::default());
    let replies = bot.text("hi").await;
    assert_eq!(replies[0].as_text(), Some("Hello! Hungry?"));
    bot.tap(&replies[0].suggestions[0])
        .await
        .expect_text("Which size?");
}
