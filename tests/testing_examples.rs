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
async fn pizza_order_by_taps_from_greeting_to_confirmation() {
    let bot = TestBot::new(pizza::Pizza);
    let hello = bot.text("HI").await;
    hello.expect_text("Hello! Hungry?");
    let menu = bot.tap(hello.expect_button("Menu")).await;
    menu.expect_texts(&["Which size?"]);
    let cards = menu[1].cards();
    assert_eq!(cards.len(), 3, "a carousel of the sizes");
    assert_eq!(cards[2].title.as_deref(), Some("Large pizza"));
    assert_eq!(cards[2].description.as_deref(), Some("35 cm, 12 €"));
    let count = bot.tap(menu.expect_button("Large")).await;
    count.expect_text("How many large pizzas?");
    bot.tap(count.expect_button("2")).await;
    bot.text("1 small").await.expect_text("Added 1 × small.");
    assert_eq!(
        bot.state::<pizza::Order>().await.cart(),
        [
            pizza::Line {
                qty: 2,
                size: pizza::Size::Large
            },
            pizza::Line {
                qty: 1,
                size: pizza::Size::Small
            },
        ]
    );
    let cart = bot.text("cart").await;
    let card = cart[0].card().expect("the cart card");
    assert_eq!(card.title.as_deref(), Some("Your order"));
    assert_eq!(
        card.description.as_deref(),
        Some("2 × large, 1 × small. Total 32 €.")
    );
    let order = bot.tap(cart.expect_button("Confirm")).await;
    order.expect_texts(&[
        "Order placed: 3 pizzas.",
        "Share your location and we will tell you how far the shop is.",
    ]);
    assert_eq!(order.events()[0].event_type, "IS_TYPING");
    assert_eq!(bot.state::<pizza::Order>().await, pizza::Order::default());
    bot.location(60.1699, 24.9384)
        .await
        .expect_text("The shop is 0.0 km away.");
}

#[tokio::test]
async fn pizza_routes_depend_on_where_the_order_stands() {
    let bot = TestBot::new(pizza::Pizza);
    // A bare number means a quantity only right after a size was picked.
    bot.text("2")
        .await
        .expect_text("Sorry, I did not get that.");
    bot.postback("size:medium")
        .await
        .expect_text("How many medium pizzas?");
    bot.text("lots")
        .await
        .expect_text("How many? Type a number from 1 to 99, or tap one.");
    bot.text(" 4 ").await.expect_text("Added 4 × medium.");
    bot.text("4")
        .await
        .expect_text("Sorry, I did not get that.");
    // "yes" confirms only a cart under review.
    bot.text("yes")
        .await
        .expect_text("Sorry, I did not get that.");
    bot.postback("confirm")
        .await
        .expect_text("Let us look at your cart first.");
    bot.text("cart").await;
    bot.text("YES").await.expect_text("Order placed: 4 pizzas.");
    bot.text("cart").await.expect_text("Your cart is empty.");
}

#[tokio::test]
async fn a_pizza_order_in_progress_is_where_the_user_left_it() {
    let bot = TestBot::new(pizza::Pizza);
    let waiting = pizza::Order::Quantity {
        size: pizza::Size::Small,
        cart: vec![pizza::Line {
            qty: 1,
            size: pizza::Size::Large,
        }],
    };
    bot.set_state(&waiting).await;
    bot.text("3").await.expect_text("Added 3 × small.");
    bot.postback("empty")
        .await
        .expect_text("Your cart is empty.");
    assert!(bot.state::<pizza::Order>().await.cart().is_empty());
}

#[tokio::test]
async fn pizza_files_events_and_redeliveries() {
    let bot = TestBot::new(pizza::Pizza).sender("+358401234567");
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
    let cart = bot.text("cart").await;
    let card = cart[0].card().expect("the cart card");
    assert_eq!(card.description.as_deref(), Some("2 × medium. Total 20 €."));
    bot.text("what?")
        .await
        .expect_text("Sorry, I did not get that.");
    assert_eq!(bot.last_status(), Some(StatusCode::OK));
}
