//! The generated dispatch over real HTTP: the documented matching order,
//! and a route whose typed parameter does not parse letting the next one try.

mod dsl_support;

use dsl_support::Harness;
use rbm_runtime::prelude::*;

struct Order;

#[rbm_agent]
impl Order {
    #[on_message(text = "Order 1")]
    async fn exact(&self) -> Reply {
        Reply::text("exact")
    }

    #[on_message(text = "order 1", ignore_case)]
    async fn folded(&self) -> Reply {
        Reply::text("ignore_case")
    }

    #[on_message(command = "order")]
    async fn command(&self, rest: Rest) -> Reply {
        Reply::text(format!("command [{rest}]"))
    }

    #[on_message(command = "/qty", ignore_case)]
    async fn quantity(&self, Rest(n): Rest<u32>) -> Reply {
        Reply::text(format!("quantity {n}"))
    }

    #[on_message(prefix = "ab")]
    async fn short_prefix(&self, rest: Rest) -> Reply {
        Reply::text(format!("prefix ab [{rest}]"))
    }

    #[on_message(prefix = "abc")]
    async fn long_prefix(&self, rest: Rest) -> Reply {
        Reply::text(format!("prefix abc [{rest}]"))
    }

    #[on_message(regex = r"^(?<n>\d+) pizzas?$")]
    async fn count(&self, n: u8) -> Reply {
        Reply::text(format!("regex {n}"))
    }

    #[on_message(regex = r"^\d+")]
    async fn digits(&self, caps: Captures) -> Reply {
        Reply::text(format!("digits {}", caps.get(0).unwrap_or_default()))
    }

    #[on_message(text)]
    async fn any_text(&self) -> Reply {
        Reply::text("any text")
    }

    #[on_message(postback = "size:large")]
    async fn large(&self) -> Reply {
        Reply::text("postback exact")
    }

    #[on_message(postback = "size:{n}")]
    async fn numbered(&self, n: u32) -> Reply {
        Reply::text(format!("template {n}"))
    }

    #[on_message(postback = "size:{n}:{crust}")]
    async fn with_crust(&self, n: u32, crust: String) -> Reply {
        Reply::text(format!("template {n} {crust}"))
    }

    // Same shape, different segment types: tried in declaration order, so a
    // `qty:` that is not a number falls through to the `String` one.
    #[on_message(postback = "qty:{n}")]
    async fn quantity_number(&self, n: u32) -> Reply {
        Reply::text(format!("qty number {n}"))
    }

    #[on_message(postback = "qty:{word}")]
    async fn quantity_word(&self, word: String) -> Reply {
        Reply::text(format!("qty word {word}"))
    }

    #[on_message(postback)]
    async fn any_postback(&self, data: PostbackData) -> Reply {
        Reply::text(format!("any postback {data}"))
    }

    #[on_message(mime = "image/png")]
    async fn png(&self) -> Reply {
        Reply::text("png")
    }

    #[on_message(file, mime = "image/*")]
    async fn image(&self) -> Reply {
        Reply::text("image")
    }

    #[on_message(file)]
    async fn any_file(&self) -> Reply {
        Reply::text("file")
    }

    #[on_event(read)]
    async fn read(&self) -> Reply {
        Reply::text("read")
    }

    #[on_event]
    async fn any_event(&self, kind: UserEventType) -> Reply {
        Reply::text(format!("event {kind}"))
    }

    #[on_message]
    async fn fallback(&self) -> Reply {
        Reply::text("fallback")
    }
}

#[tokio::test]
async fn text_routes_go_exact_then_ignore_case_then_command_prefix_regex_any() {
    let bot = Harness::start(Order).await;
    assert_eq!(bot.text("Order 1").await.text(), "exact");
    assert_eq!(bot.text("ORDER 1").await.text(), "ignore_case");
    assert_eq!(
        bot.text("order  two large").await.text(),
        "command [two large]"
    );
    assert_eq!(
        bot.text("orders 3").await.text(),
        "any text",
        "a command is a whole word"
    );
    assert_eq!(bot.text("/QTY 3").await.text(), "quantity 3");
    assert_eq!(
        bot.text("abcd").await.text(),
        "prefix abc [d]",
        "longest prefix first"
    );
    assert_eq!(bot.text("ab x").await.text(), "prefix ab [x]");
    assert_eq!(bot.text("12 pizzas").await.text(), "regex 12");
    assert_eq!(bot.text("hello").await.text(), "any text");
    bot.stop().await;
}

#[tokio::test]
async fn a_parameter_that_does_not_parse_lets_the_next_route_try() {
    let bot = Harness::start(Order).await;
    // `Rest<u32>` does not parse "three": on to the catch-all text route.
    assert_eq!(bot.text("/qty three").await.text(), "any text");
    // `n: u8` overflows on 300: on to the next regex, in declaration order.
    assert_eq!(bot.text("300 pizzas").await.text(), "digits 300");
    // `n: u32` does not parse "xl": on to the catch-all postback route.
    assert_eq!(bot.postback("size:xl").await.text(), "any postback size:xl");
    bot.stop().await;
}

#[tokio::test]
async fn postbacks_go_exact_then_templates_by_specificity_then_any() {
    let bot = Harness::start(Order).await;
    assert_eq!(bot.postback("size:large").await.text(), "postback exact");
    assert_eq!(bot.postback("size:3").await.text(), "template 3");
    assert_eq!(bot.postback("size:3:thin").await.text(), "template 3 thin");
    assert_eq!(bot.postback("qty:3").await.text(), "qty number 3");
    assert_eq!(bot.postback("qty:few").await.text(), "qty word few");
    assert_eq!(
        bot.postback("colour:red").await.text(),
        "any postback colour:red"
    );
    bot.stop().await;
}

#[tokio::test]
async fn files_go_exact_mime_then_wildcard_then_any() {
    let bot = Harness::start(Order).await;
    assert_eq!(bot.file("image/png", "a.png").await.text(), "png");
    assert_eq!(bot.file("IMAGE/PNG; q=1", "b.png").await.text(), "png");
    assert_eq!(bot.file("image/gif", "c.gif").await.text(), "image");
    assert_eq!(bot.file("application/pdf", "d.pdf").await.text(), "file");
    bot.stop().await;
}

#[tokio::test]
async fn events_go_by_type_then_any_and_unmatched_messages_to_the_fallback() {
    let bot = Harness::start(Order).await;
    assert_eq!(bot.event("READ").await.text(), "read");
    assert_eq!(bot.event("IS_TYPING").await.text(), "event IS_TYPING");
    assert_eq!(
        bot.event("SOMETHING_NEW").await.text(),
        "event SOMETHING_NEW"
    );
    assert_eq!(bot.location(1.0, 2.0).await.text(), "fallback");
    // No route for server or launch events: acknowledged, nothing sent.
    let ttl = bot.server_event("TTL_EXPIRATION_REVOKED").await;
    assert_eq!((ttl.status, ttl.texts.len()), (200, 0));
    let launch = bot.launch("LAUNCHED").await;
    assert_eq!((launch.status, launch.texts.len()), (200, 0));
    bot.stop().await;
}

#[test]
fn route_metadata_names_every_route_in_declaration_order() {
    let routes = Order.routes();
    assert_eq!(routes.len(), 21);
    assert_eq!(routes[0].name, "exact");
    assert_eq!(routes[0].pattern, r#"on_message(text = "Order 1")"#);
    assert_eq!(
        routes[6].pattern,
        r#"on_message(regex = r"^(?<n>\d+) pizzas?$")"#
    );
    assert_eq!(routes[20].pattern, "on_message");
    assert!(routes.iter().all(|r| r.file.ends_with("dsl_matching.rs")));
    assert!(routes.windows(2).all(|w| w[0].line < w[1].line));
}
