//! Extractors over real HTTP: each parameter type gets its value from the
//! delivery, in any order; an absent required value means no match.

mod dsl_support;

use dsl_support::{AGENT, Harness, PHONE};
use rbm_runtime::prelude::*;
use serde_json::json;

struct Probe;

#[rbm_agent]
impl Probe {
    #[on_message(text = "ids")]
    async fn ids(
        at: SendTime,
        agent: AgentId,
        text: Text,
        id: MessageId,
        from: PhoneNumber,
        msg: &UserMessage,
        delivery: &Delivery,
    ) -> Reply {
        let same = msg.message_id.as_deref() == Some(id.as_str());
        let pubsub = delivery.pubsub_message_id.is_some();
        Reply::text(format!(
            "{from} {agent} {text} {} {same} {pubsub}",
            at.instant()
                .map(|i| i.timestamp_subsec_nanos())
                .unwrap_or_default()
        ))
    }

    #[on_message(postback = "action")]
    async fn action(
        &self,
        id: Option<MessageId>,
        event: EventId,
        response: &SuggestionResponse,
    ) -> Reply {
        Reply::text(format!("{id:?} {event} {:?}", response.text))
    }

    #[on_message(postback = "needs-id")]
    async fn needs_id(&self, id: MessageId) -> Reply {
        Reply::text(format!("with id {id}"))
    }

    #[on_message(regex = r"^(?<a>\w+)-(?<b>\w+)?$")]
    async fn parts(&self, b: Option<String>, caps: Captures, a: String) -> Reply {
        Reply::text(format!("{a} {b:?} {:?} {}", caps.name("b"), caps.len()))
    }

    #[on_message(location)]
    async fn location(&self, at: Location) -> Reply {
        Reply::text(format!("{} {}", at.latitude, at.longitude))
    }

    #[on_message(file)]
    async fn file(&self, by_ref: &UserFile, file: UserFile) -> Reply {
        Reply::text(format!(
            "{} {:?}",
            file.payload.mime_type, by_ref.payload.file_size_bytes
        ))
    }

    #[on_event(read)]
    async fn read(
        &self,
        event: &UserEvent,
        id: EventId,
        message: MessageId,
        kind: UserEventType,
    ) -> Reply {
        Reply::text(format!(
            "{kind} {id} {message} {}",
            event.sender_phone_number
        ))
    }

    #[on_event(is_typing)]
    async fn typing(&self, ctx: &Context) -> Result<Reply, SendError> {
        ctx.typing().await?;
        ctx.reply("sent early").await?;
        Ok(Reply::text("returned"))
    }

    #[on_server_event]
    async fn server(&self, event: &ServerEvent, to: PhoneNumber, kind: ServerEventType) -> Reply {
        Reply::text(format!("{kind} {to} {:?}", event.message_id))
    }

    #[on_launch_event(launched)]
    async fn launched(&self, event: &AgentLaunchEvent, ctx: &Context) {
        // A launch event is about the agent, not a user.
        assert_eq!(ctx.phone_number(), None);
        assert_eq!(event.region_id.as_deref(), Some("/v1/regions/fi-rcs"));
        LAUNCHES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    #[on_unknown]
    async fn unknown(&self, payload: &UnknownPayload, agent: Option<AgentId>) {
        assert_eq!(payload.json["surprise"], 1);
        assert!(agent.is_none());
        UNKNOWNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

static LAUNCHES: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
static UNKNOWNS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[tokio::test]
async fn message_fields_are_extracted_in_any_order() {
    let bot = Harness::start(Probe).await;
    assert_eq!(
        bot.text("ids").await.text(),
        format!("{PHONE} {AGENT} ids 123456789 true true")
    );
    assert_eq!(bot.location(60.5, -24.25).await.text(), "60.5 -24.25");
    assert_eq!(
        bot.file("image/gif", "a.gif").await.text(),
        "image/gif Some(1234)"
    );
    bot.stop().await;
}

#[tokio::test]
async fn an_optional_value_may_be_absent_but_a_required_one_must_be_there() {
    let bot = Harness::start(Probe).await;
    // A suggested-action tap: an eventId and no messageId.
    let tap = |data: &str| {
        json!({
            "senderPhoneNumber": PHONE,
            "eventId": "tap-1",
            "agentId": AGENT,
            "suggestionResponse": {"postbackData": data, "text": "Call us", "type": "ACTION"},
        })
    };
    assert_eq!(
        bot.deliver(tap("action")).await.text(),
        r#"None tap-1 Some("Call us")"#
    );
    let missing = bot.deliver(tap("needs-id")).await;
    assert_eq!(
        (missing.status, missing.texts.len()),
        (200, 0),
        "no route matched"
    );
    assert_eq!(
        bot.postback("needs-id").await.text().split(' ').next(),
        Some("with")
    );
    bot.stop().await;
}

#[tokio::test]
async fn regex_groups_arrive_by_name_and_as_captures() {
    let bot = Harness::start(Probe).await;
    assert_eq!(
        bot.text("pizza-large").await.text(),
        r#"pizza Some("large") Some("large") 3"#
    );
    assert_eq!(bot.text("pizza-").await.text(), "pizza None None 3");
    bot.stop().await;
}

#[tokio::test]
async fn event_fields_and_the_context_are_extracted() {
    let bot = Harness::start(Probe).await;
    let read = bot.event("READ").await;
    assert!(read.text().starts_with("READ Ev"), "{read:?}");
    assert!(read.text().ends_with(&format!("agent-message-1 {PHONE}")));
    let typing = bot.event("IS_TYPING").await;
    assert_eq!(typing.texts, ["sent early", "returned"]);
    assert_eq!(typing.events.len(), 1, "the typing indicator went out");
    assert_eq!(
        bot.server_event("TTL_EXPIRATION_REVOKED").await.text(),
        format!(r#"TTL_EXPIRATION_REVOKED {PHONE} Some("agent-message-2")"#)
    );
    assert_eq!(bot.launch("LAUNCHED").await.status, 200);
    assert_eq!(bot.launch("SUSPENDED").await.status, 200);
    assert_eq!(
        LAUNCHES.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "only LAUNCHED matches"
    );
    assert_eq!(bot.deliver(json!({"surprise": 1})).await.status, 200);
    assert_eq!(UNKNOWNS.load(std::sync::atomic::Ordering::SeqCst), 1);
    bot.stop().await;
}
