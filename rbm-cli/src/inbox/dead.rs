//! `rbm inbox dead`: the dead letters, one line each, with what a person
//! needs to decide between retry and drop; never a full phone number.

use rbm_runtime::protocol::Payload;
use rbm_runtime::store::DeadLetter;
use serde_json::{Value, json};

use super::Opened;
use super::show::{age_ms, human_age, masked_phone, now_ms, one_line};
use crate::error::CliError;

/// The columns of the text listing.
const HEADER: [&str; 7] = [
    "ID", "AGE", "ATTEMPTS", "KIND", "SENDER", "WEBHOOK", "ERROR",
];

/// Prints at most `limit` dead letters, oldest first, as a table or one JSON
/// object (`total` and `dead_letters`).
pub(super) async fn run(opened: &Opened, limit: u32, json: bool) -> Result<(), CliError> {
    let letters = opened.store.dead_letters(limit as usize).await?;
    let total = opened.store.status().await?.dead;
    let now = now_ms();
    let rows: Vec<Row> = letters.iter().map(|letter| Row::of(letter, now)).collect();
    if json {
        let listed: Vec<Value> = rows.iter().map(Row::as_json).collect();
        println!("{}", json!({ "total": total, "dead_letters": listed }));
        return Ok(());
    }
    if rows.is_empty() {
        println!("no dead letters");
        return Ok(());
    }
    print!("{}", table(&rows));
    let shown = rows.len() as u64;
    if total > shown {
        println!("({shown} of {total} shown: raise --limit to see more)");
    }
    Ok(())
}

/// One dead letter, as shown. Every text is safe to print.
struct Row {
    id: i64,
    age_ms: i64,
    received_at_ms: i64,
    died_at_ms: i64,
    attempts: u32,
    kind: Option<&'static str>,
    sender: Option<String>,
    webhook: String,
    error: String,
}

impl Row {
    fn of(letter: &DeadLetter, now_ms: i64) -> Self {
        let entry = &letter.entry;
        // The data may predate this version or be broken: then it shows as `-`.
        let payload = Payload::classify(&entry.data, entry.attribute_type.as_deref()).ok();
        Self {
            id: entry.id.0,
            age_ms: age_ms(now_ms, entry.received_at_ms),
            received_at_ms: entry.received_at_ms,
            died_at_ms: letter.died_at_ms,
            attempts: entry.attempts,
            kind: payload.as_ref().map(|payload| payload.kind().as_str()),
            sender: payload
                .as_ref()
                .and_then(Payload::phone_number)
                .map(masked_phone),
            webhook: one_line(&entry.webhook),
            error: one_line(&letter.error),
        }
    }

    fn cells(&self) -> [String; 7] {
        [
            self.id.to_string(),
            human_age(self.age_ms),
            self.attempts.to_string(),
            self.kind.unwrap_or("-").to_owned(),
            self.sender.clone().unwrap_or_else(|| "-".to_owned()),
            self.webhook.clone(),
            self.error.clone(),
        ]
    }

    fn as_json(&self) -> Value {
        json!({
            "id": self.id,
            "age_ms": self.age_ms,
            "received_at_ms": self.received_at_ms,
            "died_at_ms": self.died_at_ms,
            "attempts": self.attempts,
            "kind": self.kind,
            "sender": self.sender,
            "webhook": self.webhook,
            "error": self.error,
        })
    }
}

/// The rows under the header, columns aligned; the last one (the error) is
/// not padded.
fn table(rows: &[Row]) -> String {
    let lines: Vec<[String; 7]> = std::iter::once(HEADER.map(str::to_owned))
        .chain(rows.iter().map(Row::cells))
        .collect();
    let mut widths = [0; 7];
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for line in &lines {
        for (column, cell) in line.iter().enumerate() {
            if column + 1 == line.len() {
                out.push_str(cell);
            } else {
                out.push_str(&format!("{cell:<width$}  ", width = widths[column]));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, error: &str) -> Row {
        Row {
            id,
            age_ms: 125_000,
            received_at_ms: 0,
            died_at_ms: 0,
            attempts: 5,
            kind: Some("message"),
            sender: Some("***4444".to_owned()),
            webhook: "/hook".to_owned(),
            error: error.to_owned(),
        }
    }

    #[test]
    fn columns_line_up() {
        let shown = table(&[row(7, "boom"), row(1234, "handler timed out")]);
        assert_eq!(
            shown,
            "ID    AGE    ATTEMPTS  KIND     SENDER   WEBHOOK  ERROR\n\
             7     2 min  5         message  ***4444  /hook    boom\n\
             1234  2 min  5         message  ***4444  /hook    handler timed out\n"
        );
    }
}
