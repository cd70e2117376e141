//! The delivery families: requests by webhook, kind, route and outcome,
//! inbox attempts alike, handling and acknowledgement latency, duplicates.
//!
//! Every label value comes from the server's configuration or the code
//! (webhook paths, kinds, route names, outcome names), never from a request,
//! so the number of series is bounded. The counters of a request are looked
//! up in a table of pre-resolved handles: a `Family` lookup costs a lock and
//! a hash, an index into the table costs neither once the series exists.

use std::sync::{Arc, OnceLock};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::protocol::PayloadKind;
use crate::route::RouteInfo;

/// The label value of what is not known or does not apply (a request on no
/// webhook, a delivery not yet decoded, no route).
pub(crate) const NONE: &str = "none";

/// Labels of a delivery counter.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    webhook: String,
    kind: &'static str,
    route: &'static str,
    outcome: &'static str,
}

/// The label of a per-webhook family.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WebhookLabel {
    webhook: String,
}

type HistogramFamily = Family<WebhookLabel, Histogram, fn() -> Histogram>;

/// The families every webhook's handles belong to, registered once.
pub(crate) struct DeliveryFamilies {
    deliveries: Family<DeliveryLabels, Counter>,
    inbox_attempts: Family<DeliveryLabels, Counter>,
    handling: HistogramFamily,
    ack: HistogramFamily,
    duplicates: Family<WebhookLabel, Counter>,
}

impl DeliveryFamilies {
    /// The families, registered in `registry`.
    pub(crate) fn register(registry: &mut Registry) -> Arc<Self> {
        let families = Self {
            deliveries: Family::default(),
            inbox_attempts: Family::default(),
            handling: Family::new_with_constructor(super::latency_histogram),
            ack: Family::new_with_constructor(super::latency_histogram),
            duplicates: Family::default(),
        };
        registry.register(
            "rbm_deliveries",
            "Requests on the webhook port, by webhook, payload kind, route and outcome",
            families.deliveries.clone(),
        );
        registry.register(
            "rbm_inbox_attempts",
            "Attempts at stored deliveries by the inbox workers, by webhook, kind, route and outcome",
            families.inbox_attempts.clone(),
        );
        registry.register_with_unit(
            "rbm_delivery_handling",
            "Time an attempt at a delivery took: its handler and sending its replies",
            Unit::Seconds,
            families.handling.clone(),
        );
        registry.register_with_unit(
            "rbm_delivery_ack",
            "Time from a request's arrival to its answer",
            Unit::Seconds,
            families.ack.clone(),
        );
        registry.register(
            "rbm_duplicates_suppressed",
            "Deliveries recognised as copies of one already acknowledged",
            families.duplicates.clone(),
        );
        Arc::new(families)
    }
}

/// The payload kinds, in the order of the table.
const KINDS: usize = 6;

fn kind_index(kind: Option<PayloadKind>) -> usize {
    match kind {
        None => 0,
        Some(PayloadKind::Message) => 1,
        Some(PayloadKind::UserEvent) => 2,
        Some(PayloadKind::ServerEvent) => 3,
        Some(PayloadKind::LaunchEvent) => 4,
        Some(PayloadKind::Unknown) => 5,
    }
}

fn kind_label(kind: Option<PayloadKind>) -> &'static str {
    kind.map_or(NONE, PayloadKind::as_str)
}

/// One family's counters of one webhook, created on first use and then
/// reached by index: (route, kind, outcome).
struct CounterTable {
    outcomes: &'static [&'static str],
    slots: Box<[OnceLock<Counter>]>,
}

impl CounterTable {
    fn new(routes: usize, outcomes: &'static [&'static str]) -> Self {
        let len = (routes + 1) * KINDS * outcomes.len();
        Self {
            outcomes,
            slots: (0..len).map(|_| OnceLock::new()).collect(),
        }
    }
}

/// What one counted event is: its kind, route and outcome (an index into
/// the outcome names of its family).
#[derive(Clone, Copy)]
pub(crate) struct Counted {
    /// The payload's kind, once decoded.
    pub(crate) kind: Option<PayloadKind>,
    /// The route whose handler ran.
    pub(crate) route: Option<&'static RouteInfo>,
    /// The outcome's position in its family's outcome names.
    pub(crate) outcome: usize,
}

/// The handles of one webhook (or of the requests on no webhook).
pub(crate) struct WebhookMetrics {
    webhook: String,
    /// The route names of the webhook's agents; a route's row in the
    /// tables is its position here, plus one (row 0: no route).
    routes: Box<[&'static str]>,
    families: Arc<DeliveryFamilies>,
    delivered: CounterTable,
    attempted: CounterTable,
    handling: Histogram,
    ack: Histogram,
    duplicates: Counter,
}

impl WebhookMetrics {
    /// The handles of the webhook labelled `webhook`, whose agents declare
    /// `routes`; requests count under `outcomes`, inbox attempts under
    /// `attempt_outcomes`.
    pub(crate) fn new(
        families: &Arc<DeliveryFamilies>,
        webhook: &str,
        routes: impl IntoIterator<Item = &'static str>,
        outcomes: &'static [&'static str],
        attempt_outcomes: &'static [&'static str],
    ) -> Self {
        let mut names: Vec<&'static str> = Vec::new();
        for route in routes {
            if !names.contains(&route) {
                names.push(route);
            }
        }
        let label = WebhookLabel {
            webhook: webhook.to_owned(),
        };
        Self {
            webhook: webhook.to_owned(),
            delivered: CounterTable::new(names.len(), outcomes),
            attempted: CounterTable::new(names.len(), attempt_outcomes),
            routes: names.into_boxed_slice(),
            handling: families.handling.get_or_create_owned(&label),
            ack: families.ack.get_or_create_owned(&label),
            duplicates: families.duplicates.get_or_create_owned(&label),
            families: Arc::clone(families),
        }
    }

    /// Counts a request.
    pub(crate) fn delivered(&self, counted: Counted) {
        self.count(&self.delivered, &self.families.deliveries, counted);
    }

    /// Counts an inbox attempt.
    pub(crate) fn attempted(&self, counted: Counted) {
        self.count(&self.attempted, &self.families.inbox_attempts, counted);
    }

    /// Counts a duplicate suppressed.
    pub(crate) fn duplicate(&self) {
        self.duplicates.inc();
    }

    /// Records how long an attempt at a delivery took.
    pub(crate) fn handled_in(&self, elapsed: std::time::Duration) {
        self.handling.observe(elapsed.as_secs_f64());
    }

    /// Records how long a request took to be answered.
    pub(crate) fn answered_in(&self, elapsed: std::time::Duration) {
        self.ack.observe(elapsed.as_secs_f64());
    }

    fn count(&self, table: &CounterTable, family: &Family<DeliveryLabels, Counter>, c: Counted) {
        let Some(&outcome) = table.outcomes.get(c.outcome) else {
            return;
        };
        let labels = |route: &'static str| DeliveryLabels {
            webhook: self.webhook.clone(),
            kind: kind_label(c.kind),
            route,
            outcome,
        };
        let row = match c.route {
            None => Some(0),
            Some(info) => self
                .routes
                .iter()
                .position(|name| *name == info.name)
                .map(|i| i + 1),
        };
        match row {
            Some(row) => {
                let route = if row == 0 { NONE } else { self.routes[row - 1] };
                let index = (row * KINDS + kind_index(c.kind)) * table.outcomes.len() + c.outcome;
                table.slots[index]
                    .get_or_init(|| family.get_or_create_owned(&labels(route)))
                    .inc();
            }
            // A route the agent's table does not list (an agent written by
            // hand): still a name from the code, so still bounded.
            None => {
                family
                    .get_or_create(&labels(c.route.map_or(NONE, |r| r.name)))
                    .inc();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTCOMES: &[&str] = &["handled", "failed"];

    fn route(name: &'static str) -> &'static RouteInfo {
        Box::leak(Box::new(RouteInfo {
            name,
            pattern: "",
            doc: "",
            file: "",
            line: 0,
        }))
    }

    fn exposition(registry: &Registry) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, registry).expect("encodes");
        text
    }

    #[test]
    fn each_event_counts_once_under_its_labels() {
        let mut registry = Registry::default();
        let families = DeliveryFamilies::register(&mut registry);
        let hook = WebhookMetrics::new(&families, "/hook", ["greet", "greet"], OUTCOMES, OUTCOMES);
        let counted = |route, outcome| Counted {
            kind: Some(PayloadKind::Message),
            route,
            outcome,
        };
        hook.delivered(counted(Some(route("greet")), 0));
        hook.delivered(counted(Some(route("greet")), 0));
        hook.delivered(counted(None, 1));
        hook.delivered(counted(Some(route("by_hand")), 1));
        hook.attempted(counted(None, 0));
        let text = exposition(&registry);
        let line = |labels: &str, name: &str| {
            text.lines()
                .find(|l| l.starts_with(&format!("{name}{{{labels}}}")))
                .map(|l| l.rsplit(' ').next().unwrap_or_default().to_owned())
        };
        let greet = r#"webhook="/hook",kind="message",route="greet",outcome="handled""#;
        assert_eq!(line(greet, "rbm_deliveries_total").as_deref(), Some("2"));
        let none = r#"webhook="/hook",kind="message",route="none",outcome="failed""#;
        assert_eq!(line(none, "rbm_deliveries_total").as_deref(), Some("1"));
        let by_hand = r#"webhook="/hook",kind="message",route="by_hand",outcome="failed""#;
        assert_eq!(line(by_hand, "rbm_deliveries_total").as_deref(), Some("1"));
        let attempt = r#"webhook="/hook",kind="message",route="none",outcome="handled""#;
        assert_eq!(
            line(attempt, "rbm_inbox_attempts_total").as_deref(),
            Some("1")
        );
        assert!(text.contains("# TYPE rbm_delivery_handling_seconds histogram"));
    }
}
