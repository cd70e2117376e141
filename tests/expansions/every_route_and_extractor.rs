//! Every route attribute with every extractor it allows, in mixed order.

use rbm_runtime::prelude::*;

struct Bot;

#[rbm_agent]
impl Bot {
    #[on_message(text = "hi")]
    async fn hi(
        &self,
        text: Text,
        from: PhoneNumber,
        id: Option<MessageId>,
        ev: Option<EventId>,
        agent: AgentId,
        at: SendTime,
        msg: &UserMessage,
        ctx: &Context,
        d: &Delivery,
    ) -> Reply {
        let _ = (from, id, ev, agent, at, msg, ctx, d);
        Reply::text(text.into_inner())
    }

    #[on_message(text = "Hello", ignore_case)]
    #[on_message(text)]
    async fn hello(&self, Text(text): Text) -> Option<Reply> {
        Some(Reply::text(text))
    }

    #[on_message(command = "/order", ignore_case)]
    #[on_message(prefix = "order:")]
    async fn order(&self, Rest(qty): Rest<u32>, text: Text) -> Vec<Reply> {
        vec![Reply::text(format!("{qty} {text}"))]
    }

    #[on_message(regex = r"^(?<qty>\d+) (?<size>\w+)(?: (?<extra>\w+))?$")]
    async fn regex(&self, size: String, caps: Captures, qty: u8, extra: Option<String>) {
        let _ = (size, caps, qty, extra);
    }

    #[on_message(postback = "yes")]
    #[on_message(postback)]
    async fn yes(&self, data: PostbackData, response: &SuggestionResponse) {
        let _ = (data, response);
    }

    #[on_message(postback = "size:{size}:{_ignored}")]
    async fn size(size: u32, data: PostbackData) -> Result<Reply, std::fmt::Error> {
        Ok(Reply::text(format!("{size} {data}")))
    }

    #[on_message(location)]
    async fn location(&self, at: Location, from: PhoneNumber) {
        let _ = (at, from);
    }

    #[on_message(file, mime = "image/png")]
    #[on_message(mime = "video/*")]
    #[on_message(file)]
    async fn file(&self, file: UserFile, by_ref: &UserFile) {
        let _ = (file, by_ref);
    }

    #[on_event(delivered, read)]
    #[on_event(is_typing)]
    #[on_event(subscribe, unsubscribe)]
    #[on_event]
    async fn event(
        &self,
        ev: &UserEvent,
        kind: UserEventType,
        id: EventId,
        msg: Option<MessageId>,
        from: PhoneNumber,
        ctx: &Context,
    ) -> Result<(), String> {
        let _ = (ev, kind, id, msg, from);
        ctx.typing().await.map_err(|e| e.to_string())
    }

    #[on_server_event(ttl_expiration_revoked, ttl_expiration_revoke_failed)]
    #[on_server_event]
    async fn server(
        &self,
        ev: &ServerEvent,
        kind: ServerEventType,
        to: PhoneNumber,
        msg: MessageId,
    ) {
        let _ = (ev, kind, to, msg);
    }

    #[on_launch_event(unlaunched, pending, launched, rejected, suspended)]
    #[on_launch_event]
    async fn launch(
        &self,
        ev: &AgentLaunchEvent,
        id: Option<EventId>,
        agent: Option<AgentId>,
        at: Option<SendTime>,
    ) {
        let _ = (ev, id, agent, at);
    }

    #[on_unknown]
    async fn unknown(&self, payload: &UnknownPayload, agent: Option<AgentId>, d: &Delivery) {
        let _ = (payload, agent, d);
    }

    #[on_message]
    async fn fallback(&self, msg: &UserMessage) -> Reply {
        Reply::text(format!("{:?}", msg.content))
    }

    fn helper(&self) -> u8 {
        1
    }
}

fn assert_agent<A: Agent>(agent: &A) -> usize {
    agent.routes().len()
}

pub(crate) fn main() {
    assert_eq!(assert_agent(&Bot), 23);
    assert_eq!(Bot.helper(), 1);
}
