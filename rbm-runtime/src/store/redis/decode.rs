//! Entries as Redis keeps them (one hash per entry) and back.

use redis::Value;

use crate::dedupe::DedupeKey;
use crate::store::{DeadLetter, Entry, EntryId, NewEntry};

/// A reply of a shape the scripts never give: the data under the prefix
/// was written by something else (or by a newer rbm).
#[derive(Debug, thiserror::Error)]
#[error("unexpected data in Redis: {0}")]
pub(super) struct Malformed(pub(super) String);

fn malformed(what: impl Into<String>) -> Malformed {
    Malformed(what.into())
}

/// A key as the marks name it: 32 hex digits.
pub(super) fn key_hex(key: DedupeKey) -> String {
    format!("{:032x}", key.as_u128())
}

fn key_from_hex(hex: &str) -> Result<DedupeKey, Malformed> {
    u128::from_str_radix(hex, 16)
        .map(|value| DedupeKey::from_bytes(value.to_be_bytes()))
        .map_err(|_| malformed(format!("a duplicate key {hex:?}")))
}

/// The optional fields of a new entry, as name and value pairs.
pub(super) fn optional_fields(new: &NewEntry) -> Vec<(&'static str, &str)> {
    let mut fields = Vec::new();
    if let Some(id) = &new.pubsub_message_id {
        fields.push(("pm", id.as_str()));
    }
    if let Some(time) = &new.publish_time {
        fields.push(("pt", time.as_str()));
    }
    if let Some(kind) = &new.attribute_type {
        fields.push(("at", kind.as_str()));
    }
    fields
}

/// The fields of an entry's hash, as `HGETALL` lists them.
struct Fields(Vec<(Vec<u8>, Vec<u8>)>);

impl Fields {
    fn read(value: Value) -> Result<Self, Malformed> {
        let items = match value {
            Value::Array(items) => items,
            Value::Map(pairs) => pairs.into_iter().flat_map(|(k, v)| [k, v]).collect(),
            other => return Err(malformed(format!("an entry's fields: {other:?}"))),
        };
        let mut pairs = Vec::with_capacity(items.len() / 2);
        let mut items = items.into_iter();
        while let (Some(name), Some(value)) = (items.next(), items.next()) {
            pairs.push((bytes(name)?, bytes(value)?));
        }
        Ok(Self(pairs))
    }

    fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(field, _)| field == name.as_bytes())
            .map(|(_, value)| value.as_slice())
    }

    fn text(&self, name: &str) -> Result<Option<String>, Malformed> {
        self.bytes(name)
            .map(|value| {
                String::from_utf8(value.to_vec())
                    .map_err(|_| malformed(format!("the field {name} is not UTF-8")))
            })
            .transpose()
    }

    fn required(&self, name: &str) -> Result<String, Malformed> {
        self.text(name)?
            .ok_or_else(|| malformed(format!("an entry without its {name}")))
    }

    fn number(&self, name: &str) -> Result<i64, Malformed> {
        let text = self.required(name)?;
        text.parse()
            .map_err(|_| malformed(format!("the field {name} is not a number: {text:?}")))
    }
}

fn bytes(value: Value) -> Result<Vec<u8>, Malformed> {
    match value {
        Value::BulkString(bytes) => Ok(bytes),
        Value::SimpleString(text) => Ok(text.into_bytes()),
        Value::Int(number) => Ok(number.to_string().into_bytes()),
        other => Err(malformed(format!("a field: {other:?}"))),
    }
}

/// An integer reply (Redis gives ids as strings inside arrays).
pub(super) fn integer(value: &Value) -> Result<i64, Malformed> {
    match value {
        Value::Int(number) => Ok(*number),
        Value::BulkString(bytes) => std::str::from_utf8(bytes)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| malformed("a number")),
        Value::SimpleString(text) => text.parse().map_err(|_| malformed("a number")),
        other => Err(malformed(format!("a number: {other:?}"))),
    }
}

/// The entry `id` from its hash.
pub(super) fn entry(id: EntryId, value: Value) -> Result<Entry, Malformed> {
    let fields = Fields::read(value)?;
    entry_of(id, &fields)
}

fn entry_of(id: EntryId, fields: &Fields) -> Result<Entry, Malformed> {
    let keys = fields
        .required("keys")?
        .split(',')
        .filter(|hex| !hex.is_empty())
        .map(key_from_hex)
        .collect::<Result<_, _>>()?;
    Ok(Entry {
        id,
        attempts: u32::try_from(fields.number("att")?)
            .map_err(|_| malformed("a negative attempt count"))?,
        next_attempt_at_ms: fields.number("next")?,
        last_error: fields.text("err")?,
        queued_at_ms: fields.number("queued")?,
        lane: fields.required("lane")?,
        webhook: fields.required("webhook")?,
        keys,
        data: fields.bytes("data").unwrap_or_default().to_vec(),
        pubsub_message_id: fields.text("pm")?,
        publish_time: fields.text("pt")?,
        attribute_type: fields.text("at")?,
        received_at_ms: fields.number("recv")?,
    })
}

/// A dead letter from its hash.
fn dead_letter(id: EntryId, value: Value) -> Result<DeadLetter, Malformed> {
    let fields = Fields::read(value)?;
    Ok(DeadLetter {
        entry: entry_of(id, &fields)?,
        error: fields.text("derr")?.unwrap_or_default(),
        died_at_ms: fields.number("died")?,
    })
}

/// `id, fields, id, fields…` as the listing scripts return it.
fn pairs(value: Value) -> Result<Vec<(EntryId, Value)>, Malformed> {
    let Value::Array(items) = value else {
        return Err(malformed(format!("a list of entries: {value:?}")));
    };
    let mut pairs = Vec::with_capacity(items.len() / 2);
    let mut items = items.into_iter();
    while let (Some(id), Some(fields)) = (items.next(), items.next()) {
        pairs.push((EntryId(integer(&id)?), fields));
    }
    Ok(pairs)
}

/// Entries listed as `id, fields…`.
pub(super) fn entries(value: Value) -> Result<Vec<Entry>, Malformed> {
    pairs(value)?
        .into_iter()
        .map(|(id, fields)| entry(id, fields))
        .collect()
}

/// Entries listed as `partition, id, fields…`.
pub(super) fn partitioned_entries(value: Value) -> Result<Vec<(u32, Entry)>, Malformed> {
    let Value::Array(items) = value else {
        return Err(malformed(format!("a list of entries: {value:?}")));
    };
    let mut out = Vec::with_capacity(items.len() / 3);
    let mut items = items.into_iter();
    while let (Some(partition), Some(id), Some(fields)) = (items.next(), items.next(), items.next())
    {
        let partition =
            u32::try_from(integer(&partition)?).map_err(|_| malformed("a negative partition"))?;
        out.push((partition, entry(EntryId(integer(&id)?), fields)?));
    }
    Ok(out)
}

/// Dead letters listed as `id, fields…`.
pub(super) fn dead_letters(value: Value) -> Result<Vec<DeadLetter>, Malformed> {
    pairs(value)?
        .into_iter()
        .map(|(id, fields)| dead_letter(id, fields))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_go_to_hex_and_back() {
        let key = DedupeKey::of(&["test", "m1"]);
        let hex = key_hex(key);
        assert_eq!(hex.len(), 32);
        assert_eq!(key_from_hex(&hex).expect("hex"), key);
        assert!(key_from_hex("zz").is_err());
    }

    #[test]
    fn a_foreign_value_is_malformed_not_a_panic() {
        assert!(entry(EntryId(1), Value::Int(3)).is_err());
        let missing = Value::Array(vec![
            Value::BulkString(b"lane".to_vec()),
            Value::BulkString(b"u1".to_vec()),
        ]);
        let error = entry(EntryId(1), missing).expect_err("no keys");
        assert_eq!(
            error.to_string(),
            "unexpected data in Redis: an entry without its keys"
        );
        assert!(entries(Value::Nil).is_err());
    }
}
