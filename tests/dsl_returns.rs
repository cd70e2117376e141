//! Every handler return type over real HTTP, and the handler still being a
//! plain method a unit test can call.

mod dsl_support;

use dsl_support::Harness;
use rbm_runtime::prelude::*;

struct Returns;

#[derive(Debug)]
struct KitchenClosed;

impl std::fmt::Display for KitchenClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the kitchen is closed")
    }
}

/// An error that says retrying cannot help.
#[derive(Debug)]
struct NoSuchPizza;

impl std::fmt::Display for NoSuchPizza {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no such pizza")
    }
}

impl Retryable for NoSuchPizza {
    fn is_retryable(&self) -> bool {
        false
    }
}

/// The error's answer is found through an alias too.
type Order = Result<Reply, NoSuchPizza>;

#[rbm_agent]
impl Returns {
    #[on_message(text = "unit")]
    async fn unit(&self) {}

    #[on_message(text = "one")]
    async fn one(&self) -> Reply {
        Reply::text("one").suggest_reply("Again", "again")
    }

    #[on_message(text = "many")]
    async fn many(&self) -> Vec<Reply> {
        vec![Reply::text("first"), Reply::text("second")]
    }

    #[on_message(text = "maybe")]
    #[on_message(text = "maybe not")]
    async fn maybe(&self, text: Text) -> Option<Reply> {
        (text == "maybe").then(|| Reply::text("yes"))
    }

    #[on_message(text = "ok")]
    async fn ok(&self) -> Result<Vec<Reply>, KitchenClosed> {
        Ok(vec![Reply::text("cooking")])
    }

    #[on_message(text = "fail")]
    async fn fail(&self, ctx: &Context) -> Result<Reply, KitchenClosed> {
        // Sent before the failure: a redelivery derives the same reply id,
        // so the RBM API ignores it the second time.
        ctx.reply("checking").await.map_err(|_| KitchenClosed)?;
        Err(KitchenClosed)
    }

    #[on_message(text = "hawaii")]
    async fn hawaii(&self) -> Order {
        Err(NoSuchPizza)
    }

    #[on_message(text = "refused")]
    async fn refused(&self) -> Result<(), HandlerError> {
        Err(HandlerError::permanent("the API refused it for good"))
    }
}

#[tokio::test]
async fn each_return_type_sends_its_replies() {
    let bot = Harness::start(Returns).await;
    let unit = bot.text("unit").await;
    assert_eq!((unit.status, unit.texts.len()), (200, 0));
    let one = bot.text("one").await;
    assert_eq!(one.text(), "one");
    assert_eq!(one.postbacks, [["again"]]);
    assert_eq!(bot.text("many").await.texts, ["first", "second"]);
    assert_eq!(bot.text("maybe").await.text(), "yes");
    let none = bot.text("maybe not").await;
    assert_eq!((none.status, none.texts.len()), (200, 0));
    assert_eq!(bot.text("ok").await.text(), "cooking");
    bot.stop().await;
}

#[tokio::test]
async fn an_error_answers_500_so_google_redelivers() {
    let bot = Harness::start(Returns).await;
    let failed = bot.text("fail").await;
    assert_eq!(failed.status, 500);
    assert_eq!(
        failed.texts,
        ["checking"],
        "only what the handler sent itself"
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_error_that_is_not_retryable_is_acknowledged() {
    let bot = Harness::start(Returns).await;
    let hawaii = bot.text("hawaii").await;
    assert_eq!((hawaii.status, hawaii.texts.len()), (200, 0));
    let refused = bot.text("refused").await;
    assert_eq!((refused.status, refused.texts.len()), (200, 0));
    bot.stop().await;
}

#[tokio::test]
async fn handlers_stay_plain_methods() {
    assert_eq!(Returns.one().await.as_text(), Some("one"));
    assert_eq!(
        Returns.maybe(Text::from("maybe")).await.map(|r| r.content),
        Some(Reply::text("yes").content)
    );
    assert!(Returns.ok().await.is_ok());
}

#[tokio::test]
async fn dispatch_works_without_a_server() {
    let sender = std::sync::Arc::new(rbm_runtime::LogSender);
    let payload = rbm_runtime::protocol::Payload::classify(
        br#"{"senderPhoneNumber":"+1555","messageId":"m1","text":"many"}"#,
        None,
    )
    .expect("json");
    let ctx = Context::new(sender, "test/m1", Some("+1555".into()), None, None);
    let delivery = Delivery::new(payload);
    let handled = Returns.dispatch(&delivery, &ctx).await;
    assert_eq!(handled.route.map(|r| r.name), Some("many"));
    let replies = handled.result.expect("handled");
    assert_eq!(replies, vec![Reply::text("first"), Reply::text("second")]);
    let again = Returns.handle(&delivery, &ctx).await.expect("handled");
    assert_eq!(again, replies);
}
