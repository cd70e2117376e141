//! The bot's own account of a delivery: its `rbm::delivery` log line, read
//! from its output, so that the chat can say why a message was not handled
//! (the handler's error, a panic's message, a reply the runtime refused).

/// What a delivery line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LoggedDelivery {
    /// `handled`, `failed`, `panicked`, `undeliverable`, `retry`,
    /// `dead_letter`…
    pub(crate) outcome: String,
    /// Why it was not handled, when it was not; control characters stay
    /// escaped, so nothing the bot wrote can drive the terminal.
    pub(crate) reason: Option<String>,
}

/// The line's delivery, if it is a delivery line of an rbm bot (the text
/// format's `rbm::delivery: delivery …` or `rbm::delivery: inbox delivery …`)
/// about a delivery rather than the console's handshake.
pub(crate) fn parse(line: &str) -> Option<LoggedDelivery> {
    let (_, fields) = line.split_once("rbm::delivery: ")?;
    let fields = fields
        .strip_prefix("delivery ")
        .or_else(|| fields.strip_prefix("inbox delivery "))?;
    let (fields, reason) = match fields.split_once(" reason=") {
        Some((fields, reason)) => (fields, Some(unquote(reason))),
        None => (fields, None),
    };
    let outcome = fields
        .split(' ')
        .find_map(|field| field.strip_prefix("outcome="))?;
    if outcome.starts_with("handshake") {
        return None;
    }
    Some(LoggedDelivery {
        outcome: outcome.to_owned(),
        reason,
    })
}

/// A value as the runtime writes it: plain, or quoted with Rust's escapes.
/// Quotes and backslashes are restored; `\n`, `\u{1b}` and the like stay as
/// they are written.
fn unquote(value: &str) -> String {
    let Some(inner) = value
        .strip_prefix('"')
        .and_then(|value| value.strip_suffix('"'))
    else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(quote @ ('"' | '\'' | '\\')) => out.push(quote),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

impl LoggedDelivery {
    /// What the chat prints about it: `None` for a delivery handled.
    pub(crate) fn explain(&self) -> Option<String> {
        let what = match self.outcome.as_str() {
            "handled" | "stored" | "duplicate" => return None,
            "failed" | "retry" => "failed, to be retried",
            "panicked" => "panicked, to be retried",
            "undeliverable" => "failed for good",
            "dead_letter" => "failed for good: a dead letter now",
            other => other,
        };
        Some(match &self.reason {
            Some(reason) => format!("(the bot {what}: {reason})"),
            None => format!("(the bot {what})"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFIX: &str = "2026-12-01T21:29:03.710611Z  WARN rbm::delivery: ";

    #[test]
    fn a_failure_and_its_quoted_reason() {
        let line = format!(
            "{PREFIX}delivery path=/ kind=message agent=a route=- sender=***4444 outcome=undeliverable status=200 latency_us=390 reason=\"told \\\"you\\\" to\\nfail\""
        );
        let logged = parse(&line).expect("a delivery line");
        assert_eq!(logged.outcome, "undeliverable");
        assert_eq!(logged.reason.as_deref(), Some("told \"you\" to\\nfail"));
        assert_eq!(
            logged.explain().as_deref(),
            Some("(the bot failed for good: told \"you\" to\\nfail)")
        );
    }

    #[test]
    fn an_inbox_line_a_plain_reason_and_a_panic() {
        let line = format!(
            "{PREFIX}inbox delivery path=/ kind=message agent=a route=echo sender=***4444 outcome=retry attempt=1 latency_us=9 reason=boom"
        );
        let logged = parse(&line).expect("a delivery line");
        assert_eq!(
            logged.explain().as_deref(),
            Some("(the bot failed, to be retried: boom)")
        );
        let panicked = format!(
            "{PREFIX}delivery path=/ kind=message agent=a route=- sender=***4444 outcome=panicked status=500 latency_us=9 reason=\"a bug\""
        );
        assert_eq!(
            parse(&panicked).and_then(|l| l.explain()).as_deref(),
            Some("(the bot panicked, to be retried: a bug)")
        );
    }

    #[test]
    fn handled_deliveries_handshakes_and_other_lines_say_nothing() {
        let handled = format!(
            "{PREFIX}delivery path=/ kind=message agent=a route=- sender=***4444 outcome=handled status=200 latency_us=8208"
        );
        assert_eq!(parse(&handled).and_then(|l| l.explain()), None);
        let handshake = format!(
            "{PREFIX}delivery path=/ kind=- agent=- route=- sender=- outcome=handshake_accepted status=200 latency_us=90"
        );
        assert_eq!(parse(&handshake), None);
        assert_eq!(parse("INFO rbm_runtime::server: listening"), None);
        assert_eq!(parse("my own log: outcome=failed reason=x"), None);
    }
}
