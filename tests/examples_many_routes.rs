//! `examples/many_routes.rs`, built and driven over real HTTP: the last
//! route of each kind, and what falls through every route.

mod dsl_support;

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/many_routes.rs"]
mod many_routes;

use dsl_support::Harness;

#[tokio::test]
async fn each_kind_of_route_takes_its_texts_and_the_rest_falls_back() {
    let bot = Harness::start(many_routes::ManyRoutes).await;
    let cases = [
        ("KEYWORD 49", "keyword 49"),
        ("keyword 07", "keyword 07"),
        ("49 apples", "count 49: 49"),
        ("3 kind00", "count 00: 3"),
        ("/p49 now", "command 49: now"),
        ("/p4", "fallback"),
        ("hello", "fallback"),
    ];
    for (text, reply) in cases {
        assert_eq!(bot.text(text).await.text(), reply, "{text}");
    }
    assert_eq!(bot.postback("t49:7").await.text(), "choice 49: 7");
    assert_eq!(bot.postback("t49:x").await.text(), "fallback");
    bot.stop().await;
}
