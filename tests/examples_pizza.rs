//! `examples/pizza.rs`, built and driven over real HTTP through a whole order.

mod dsl_support;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/pizza.rs"]
mod pizza;

use dsl_support::Harness;

#[tokio::test]
async fn a_whole_order_through_suggestions_and_typed_text() {
    let bot = Harness::start(pizza::Pizza).await;
    let hello = bot.text("Hi").await;
    assert_eq!(hello.text(), "Hello! Hungry?");
    assert_eq!(hello.postbacks, [["menu", "cart"]]);
    assert_eq!(bot.text("/start").await.text(), "Hello! Hungry?");
    let menu = bot.postback("menu").await;
    // The text, then the carousel of sizes (no text of its own).
    assert_eq!(menu.texts, ["Which size?", ""]);
    let size = bot.postback("size:large").await;
    assert_eq!(size.text(), "How many large pizzas?");
    assert_eq!(size.postbacks[0][1], "add:large:2");
    assert_eq!(bot.postback("add:large:2").await.text(), "Added 2 × large.");
    assert_eq!(bot.text("1 Small").await.text(), "Added 1 × small.");
    let cart = bot.text("cart").await;
    assert_eq!(cart.texts, [""], "a card, no text");
    let confirmed = bot.postback("confirm").await;
    assert_eq!(confirmed.texts[0], "Order placed: 3 pizzas.");
    assert_eq!(confirmed.events.len(), 1, "typing indicator");
    assert_eq!(bot.postback("cart").await.text(), "Your cart is empty.");
    bot.stop().await;
}

#[tokio::test]
async fn locations_files_events_and_the_fallback() {
    let bot = Harness::start(pizza::Pizza).await;
    assert_eq!(
        bot.location(60.1699, 24.9384).await.text(),
        "The shop is 0.0 km away."
    );
    assert_eq!(
        bot.file("image/jpeg", "dinner.jpg").await.text(),
        "Thanks for dinner.jpg! It looks delicious."
    );
    assert_eq!(
        bot.file("audio/ogg", "hum.ogg").await.text(),
        "We can only look at pictures."
    );
    assert_eq!(
        bot.event("SUBSCRIBE").await.text(),
        "Welcome to the pizza shop!"
    );
    let read = bot.event("READ").await;
    assert_eq!((read.status, read.texts.len()), (200, 0));
    assert_eq!(
        bot.postback("size:huge").await.text(),
        "Sorry, I did not get that."
    );
    assert_eq!(bot.text("99 large").await.text(), "Added 99 × large.");
    assert_eq!(
        bot.text("100 large").await.text(),
        "Sorry, I did not get that."
    );
    assert_eq!(bot.server_event("TTL_EXPIRATION_REVOKED").await.status, 200);
    assert_eq!(bot.launch("LAUNCHED").await.status, 200);
    bot.stop().await;
}
