//! End to end over real HTTP: one server hosting an agent webhook and a
//! partner webhook, each on its own path with its own client token.

mod support;

use rbm_runtime::{PartnerAgents, RunningServer, sign};

use support::{
    PHONE, Recorder, RecordingSender, Spelling, builder, envelope, handshake, post, pubsub_id,
    push_as, status_and_body, text_message_for, url,
};

const AGENT_PATH: &str = "/agent/webhook";
const AGENT_TOKEN: &str = "AGENTTOKEN000001";
const PARTNER_PATH: &str = "/partner/webhook";
const PARTNER_TOKEN: &str = "PARTNERTOKEN0002";
const ALICE: &str = "alice_agent@rbm.goog";
const BOB: &str = "bob_agent@rbm.goog";

struct Hosted {
    _server: RunningServer,
    agent_url: String,
    partner_url: String,
    own: Recorder,
    alice: Recorder,
    bob: Recorder,
}

impl Hosted {
    async fn start() -> Self {
        let (own, alice, bob) = (
            Recorder::new("own"),
            Recorder::new("alice"),
            Recorder::new("bob"),
        );
        let server = builder()
            .webhook(AGENT_PATH, AGENT_TOKEN, own.clone())
            .partner_webhook(
                PARTNER_PATH,
                PARTNER_TOKEN,
                PartnerAgents::new()
                    .agent(ALICE, alice.clone())
                    .agent(BOB, bob.clone()),
            )
            .reply_sender(RecordingSender::default())
            .bind()
            .await
            .expect("the server starts");
        let addr = server.local_addr();
        Self {
            _server: server,
            agent_url: url(addr, AGENT_PATH),
            partner_url: url(addr, PARTNER_PATH),
            own,
            alice,
            bob,
        }
    }

    fn calls(&self) -> [usize; 3] {
        [self.own.calls(), self.alice.calls(), self.bob.calls()]
    }
}

#[tokio::test]
async fn partner_deliveries_go_to_the_agent_named_by_agent_id() {
    let hosted = Hosted::start().await;
    let to_alice = text_message_for(ALICE, PHONE, "MxToAlice", "hi alice");
    let to_bob = text_message_for(BOB, PHONE, "MxToBob", "hi bob");
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(
        status(push_as(&hosted.partner_url, PARTNER_TOKEN, &to_alice, &pubsub_id()).await),
        200
    );
    assert_eq!(hosted.calls(), [0, 1, 0]);
    assert_eq!(
        status(push_as(&hosted.partner_url, PARTNER_TOKEN, &to_bob, &pubsub_id()).await),
        200
    );
    assert_eq!(hosted.calls(), [0, 1, 1]);
    assert_eq!(
        support::text_of(&hosted.bob.deliveries()[0]),
        Some("hi bob")
    );

    // The agent webhook serves its one agent, whatever agentId says.
    let named_alice = text_message_for(ALICE, PHONE, "MxOnAgentPath", "hi");
    assert_eq!(
        status(push_as(&hosted.agent_url, AGENT_TOKEN, &named_alice, &pubsub_id()).await),
        200
    );
    assert_eq!(hosted.calls(), [1, 1, 1]);
}

#[tokio::test]
async fn an_unknown_agent_id_on_the_partner_webhook_is_acknowledged_and_not_dispatched() {
    let hosted = Hosted::start().await;
    let stranger = text_message_for("stranger@rbm.goog", PHONE, "MxStranger", "hi");
    let response = push_as(&hosted.partner_url, PARTNER_TOKEN, &stranger, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
    // No agentId at all cannot be routed either.
    let nameless = br#"{"senderPhoneNumber":"+12223334444","messageId":"MxNoAgent","text":"hi"}"#;
    let response = push_as(&hosted.partner_url, PARTNER_TOKEN, nameless, &pubsub_id()).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(hosted.calls(), [0, 0, 0]);
}

#[tokio::test]
async fn each_handshake_accepts_only_its_own_paths_token() {
    let hosted = Hosted::start().await;
    let cases = [
        (&hosted.agent_url, AGENT_TOKEN, 200),
        (&hosted.agent_url, PARTNER_TOKEN, 400),
        (&hosted.partner_url, PARTNER_TOKEN, 200),
        (&hosted.partner_url, AGENT_TOKEN, 400),
    ];
    for (url, token, expected) in cases {
        let (status, body) = status_and_body(handshake(url, token, "s3cr3t-value").await).await;
        assert_eq!(status, expected, "{url} with {token}");
        assert_eq!(
            body == "s3cr3t-value",
            expected == 200,
            "{url} with {token}: {body:?}"
        );
    }
}

#[tokio::test]
async fn a_signature_made_with_another_paths_token_is_unauthorized() {
    let hosted = Hosted::start().await;
    let to_alice = text_message_for(ALICE, PHONE, "MxCrossSigned", "hi");
    let to_own = text_message_for("own@rbm.goog", PHONE, "MxCrossSigned", "hi");
    let partner_body = envelope(&to_alice, &pubsub_id(), Spelling::Both);
    let agent_body = envelope(&to_own, &pubsub_id(), Spelling::Both);
    let on_partner = post(
        &hosted.partner_url,
        partner_body.clone(),
        Some(&sign(AGENT_TOKEN, &to_alice)),
    )
    .await;
    assert_eq!(on_partner.status().as_u16(), 401);
    let on_agent = post(
        &hosted.agent_url,
        agent_body.clone(),
        Some(&sign(PARTNER_TOKEN, &to_own)),
    )
    .await;
    assert_eq!(on_agent.status().as_u16(), 401);
    assert_eq!(hosted.calls(), [0, 0, 0]);

    // Signed with the path's own token, the very same requests go through.
    let on_partner = post(
        &hosted.partner_url,
        partner_body,
        Some(&sign(PARTNER_TOKEN, &to_alice)),
    )
    .await;
    assert_eq!(on_partner.status().as_u16(), 200);
    let on_agent = post(
        &hosted.agent_url,
        agent_body,
        Some(&sign(AGENT_TOKEN, &to_own)),
    )
    .await;
    assert_eq!(on_agent.status().as_u16(), 200);
    assert_eq!(hosted.calls(), [1, 1, 0]);
}
