//! The examples tested the way a bot author would: with `TestBot`, in
//! process, through the real pipeline.

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/echo.rs"]
mod echo;
#[allow(dead_code, unreachable_pub)]
#[path = "../examples/pizza.rs"]
mod pizza;

use rbm_runtime::prelude::{LaunchState, ServerEventType, UserEventType};
use rbm_runtime::testing::{StatusCode, TestBot};

#[tokio::test]
async fn echo_repeats_texts_and_ignores_the_rest() {
    let bot = TestBot::new(echo::Echo);
    let replies = bot.text("Hello").await;
    assert_eq!(replies[0].as_text(), Some("Hello"));
    bot.location(60.17, 24.94).await.expect_no_reply();
    bot.event(UserEventType::Read).await.expect_no_reply();
    bot.redeliver_last().await.expect_no_reply();
}

#[tokio::test]
async fn pizza_order_by_taps_from_greeting_to_checkout() {
    let bot = TestBot::new(pizza::Pizza::default());
    let hello = bot.text("HI").await;
    hello.expect_text("Hello! Hungry?");
    let sizes = bot.tap(hello.expect_button("Menu")).await;
    sizes.expect_texts(&["Which size?"]);
    let count = bot.tap(sizes.expect_button("Large")).await;
    count.expect_text("How many large pizzas?");
    bot.tap(count.expect_button("2")).await;
    bot.text("1 small").await;
    let cart = bot.text("cart").await;
    cart.expect_text("In your cart: 2 × large, 1 × small.");
    let order = bot.tap(cart.expect_button("Check out")).await;
    order.expect_texts(&[
        "Order placed: 3 pizzas.",
        "Share your location and we will tell you how far the shop is.",
    ]);
    assert_eq!(order.events()[0].event_type, "IS_TYPING");
    bot.location(60.1699, 24.9384)
        .await
        .expect_text("The shop is 0.0 km away.");
}

#[tokio::test]
async fn pizza_files_events_and_redeliveries() {
    let bot = TestBot::new(pizza::Pizza::default()).sender("+358401234567");
    bot.file("https://example.com/pie.jpg", "image/jpeg")
        .await
        .expect_text("Thanks for pie.jpg! It looks delicious.");
    bot.file("https://example.com/menu.pdf", "application/pdf")
        .await
        .expect_text("We can only look at pictures.");
    bot.event(UserEventType::Subscribe)
        .await
        .expect_text("Welcome to the pizza shop!");
    bot.event(UserEventType::Read).await.expect_no_reply();
    bot.event(UserEventType::Unsubscribe)
        .await
        .expect_no_reply();
    bot.server_event(ServerEventType::TtlExpirationRevoked)
        .await
        .expect_no_reply();
    bot.launch(LaunchState::Launched).await.expect_no_reply();
    // Google delivering a message twice: handled once.
    bot.text("2 medium").await.expect_text("Added 2 × medium.");
    bot.redeliver_last().await.expect_no_reply();
    bot.text("cart")
        .await
        .expect_text("In your cart: 2 × medium.");
    bot.text("what?")
        .await
        .expect_text("Sorry, I did not get that.");
    assert_eq!(bot.last_status(), Some(StatusCode::OK));
}
