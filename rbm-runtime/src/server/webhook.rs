//! The webhooks one process hosts: each a path, a client token and the
//! agent (or, for a partner webhook, the agents) it serves.

use std::collections::HashMap;
use std::sync::Arc;

use subtle::ConstantTimeEq;

use crate::agent::DynAgent;
use crate::metrics::WebhookRoutes;
use crate::protocol::Payload;
use crate::verify::SignatureVerifier;

/// Who receives the deliveries of a webhook.
pub(crate) enum Target {
    /// An agent webhook: every delivery goes to this agent.
    Agent(Arc<dyn DynAgent>),
    /// A partner webhook: a delivery goes to the agent named by its `agentId`.
    Partner(HashMap<String, Arc<dyn DynAgent>>),
}

/// One hosted webhook.
pub(crate) struct Webhook {
    pub(crate) path: Box<str>,
    token: Box<[u8]>,
    pub(crate) verifier: SignatureVerifier,
    pub(crate) target: Target,
}

impl Webhook {
    pub(crate) fn new(path: String, token: &str, target: Target) -> Self {
        Self {
            path: path.into_boxed_str(),
            token: token.as_bytes().into(),
            verifier: SignatureVerifier::new(token),
            target,
        }
    }

    /// Whether `candidate` is this webhook's client token (constant time).
    pub(crate) fn token_matches(&self, candidate: &str) -> bool {
        bool::from(self.token.as_ref().ct_eq(candidate.as_bytes()))
    }

    /// The agent that handles `payload`, if this webhook serves one.
    pub(crate) fn agent_for(&self, payload: &Payload) -> Option<&Arc<dyn DynAgent>> {
        match &self.target {
            Target::Agent(agent) => Some(agent),
            Target::Partner(agents) => agents.get(payload.agent_id()?),
        }
    }

    /// Every agent this webhook serves.
    pub(crate) fn agents(&self) -> Box<dyn Iterator<Item = &Arc<dyn DynAgent>> + '_> {
        match &self.target {
            Target::Agent(agent) => Box::new(std::iter::once(agent)),
            Target::Partner(agents) => Box::new(agents.values()),
        }
    }

    /// Its path and the route names of its agents, for the metrics.
    pub(crate) fn routes(&self) -> WebhookRoutes<'_> {
        WebhookRoutes {
            path: &self.path,
            routes: self
                .agents()
                .flat_map(|agent| agent.route_table().iter().map(|route| route.name))
                .collect(),
        }
    }

    pub(crate) fn is_partner(&self) -> bool {
        matches!(self.target, Target::Partner(_))
    }
}
