//! The SQL of each store operation. Writes run inside the writer's batch
//! transaction; reads on a reader connection.

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::marks::Marks;

use crate::store::{
    DeadLetter, DedupeKey, Entry, EntryId, InboxStatus, NewEntry, Selection, StateChange, StateKey,
    StoreError, StoredState,
};

/// The columns [`entry_from_row`] reads, in its order.
const ENTRY_COLUMNS: &str = "id, attempts, next_attempt_at_ms, last_error, queued_at_ms, lane, \
     webhook, keys, data, pubsub_message_id, publish_time, attribute_type, received_at_ms";

/// Why a write operation failed: its own precondition, or the database.
#[derive(Debug)]
pub(super) enum WriteError {
    /// The operation's entry is not where it must be.
    Unknown(EntryId),
    /// The database failed.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for WriteError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sql(error)
    }
}

impl From<WriteError> for StoreError {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::Unknown(id) => StoreError::UnknownEntry(id),
            WriteError::Sql(error) => StoreError::write(error),
        }
    }
}

type Written<T> = Result<T, WriteError>;

pub(super) fn keys_to_blob(keys: &[DedupeKey]) -> Vec<u8> {
    keys.iter().flat_map(|key| key.to_bytes()).collect()
}

fn keys_from_blob(column: usize, blob: &[u8]) -> rusqlite::Result<Vec<DedupeKey>> {
    let chunks = blob.chunks_exact(16);
    if !chunks.remainder().is_empty() {
        let message = format!("a keys blob of {} bytes", blob.len());
        return Err(rusqlite::Error::FromSqlConversionFailure(
            column,
            Type::Blob,
            message.into(),
        ));
    }
    Ok(chunks
        .map(|chunk| {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(chunk);
            DedupeKey::from_bytes(bytes)
        })
        .collect())
}

/// The keys in `blob`, each once: a key listed twice in one delivery is
/// one holder of its mark.
fn distinct_keys(column: usize, blob: &[u8]) -> rusqlite::Result<Vec<DedupeKey>> {
    let listed = keys_from_blob(column, blob)?;
    let mut keys = Vec::with_capacity(listed.len());
    for key in listed {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    Ok(keys)
}

fn entry_from_row(row: &Row<'_>) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: EntryId(row.get(0)?),
        attempts: row.get(1)?,
        next_attempt_at_ms: row.get(2)?,
        last_error: row.get(3)?,
        queued_at_ms: row.get(4)?,
        lane: row.get(5)?,
        webhook: row.get(6)?,
        keys: keys_from_blob(7, row.get_ref(7)?.as_blob()?)?,
        data: row.get(8)?,
        pubsub_message_id: row.get(9)?,
        publish_time: row.get(10)?,
        attribute_type: row.get(11)?,
        received_at_ms: row.get(12)?,
    })
}

fn add_done_mark(
    conn: &Connection,
    entry: Option<EntryId>,
    done_at_ms: i64,
    keys: &[u8],
) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO done_marks (entry, done_at_ms, keys) VALUES (?1, ?2, ?3)")?
        .execute(params![entry.map(|id| id.0), done_at_ms, keys])?;
    Ok(())
}

/// Appends `new` as a waiting entry. The writer has checked its keys
/// against the marks (kept in memory, see `marks.rs`).
pub(super) fn append(conn: &Connection, new: &NewEntry) -> Written<EntryId> {
    conn.prepare_cached(
        "INSERT INTO entries (state, lane, webhook, keys, data, pubsub_message_id, publish_time,
             attribute_type, received_at_ms, queued_at_ms, attempts, next_attempt_at_ms)
         VALUES ('waiting', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, 0, ?8)",
    )?
    .execute(params![
        new.lane,
        new.webhook,
        keys_to_blob(&new.keys),
        new.data,
        new.pubsub_message_id,
        new.publish_time,
        new.attribute_type,
        new.received_at_ms,
    ])?;
    Ok(EntryId(conn.last_insert_rowid()))
}

/// Deletes an entry in `state`, returning its keys blob.
fn delete_entry(conn: &Connection, id: EntryId, state: &str) -> Written<Vec<u8>> {
    conn.prepare_cached("DELETE FROM entries WHERE id = ?1 AND state = ?2 RETURNING keys")?
        .query_row(params![id.0, state], |row| row.get(0))
        .optional()?
        .ok_or(WriteError::Unknown(id))
}

pub(super) fn complete(conn: &Connection, id: EntryId, now: i64) -> Written<()> {
    let keys = delete_entry(conn, id, "waiting")?;
    add_done_mark(conn, Some(id), now, &keys)?;
    Ok(())
}

pub(super) fn record_failure(
    conn: &Connection,
    id: EntryId,
    attempts: u32,
    next_attempt_at_ms: i64,
    error: &str,
) -> Written<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE entries SET attempts = ?2, next_attempt_at_ms = ?3, last_error = ?4
             WHERE id = ?1 AND state = 'waiting'",
        )?
        .execute(params![id.0, attempts, next_attempt_at_ms, error])?;
    if changed == 0 {
        return Err(WriteError::Unknown(id));
    }
    Ok(())
}

pub(super) fn dead_letter(conn: &Connection, id: EntryId, error: &str, now: i64) -> Written<()> {
    let changed = conn
        .prepare_cached(
            "UPDATE entries SET state = 'dead', last_error = ?2, died_at_ms = ?3
             WHERE id = ?1 AND state = 'waiting'",
        )?
        .execute(params![id.0, error, now])?;
    if changed == 0 {
        return Err(WriteError::Unknown(id));
    }
    Ok(())
}

/// The ids of the dead letters `which` selects, oldest first.
fn selected(conn: &Connection, which: Selection) -> Written<Vec<EntryId>> {
    match which {
        Selection::One(id) => {
            let dead = conn
                .prepare_cached("SELECT 1 FROM entries WHERE id = ?1 AND state = 'dead'")?
                .exists([id.0])?;
            if dead {
                Ok(vec![id])
            } else {
                Err(WriteError::Unknown(id))
            }
        }
        Selection::All => {
            let mut ids =
                conn.prepare_cached("SELECT id FROM entries WHERE state = 'dead' ORDER BY id")?;
            let ids = ids
                .query_map([], |row| row.get(0).map(EntryId))?
                .collect::<rusqlite::Result<_>>()?;
            Ok(ids)
        }
    }
}

pub(super) fn retry_dead(conn: &Connection, which: Selection, now: i64) -> Written<Vec<Entry>> {
    let mut retried = Vec::new();
    for old in selected(conn, which)? {
        conn.prepare_cached(
            "INSERT INTO entries (state, lane, webhook, keys, data, pubsub_message_id,
                 publish_time, attribute_type, received_at_ms, queued_at_ms, attempts,
                 next_attempt_at_ms, last_error)
             SELECT 'waiting', lane, webhook, keys, data, pubsub_message_id, publish_time,
                 attribute_type, received_at_ms, ?2, 0, ?2, last_error
             FROM entries WHERE id = ?1",
        )?
        .execute(params![old.0, now])?;
        let id = EntryId(conn.last_insert_rowid());
        delete_entry(conn, old, "dead")?;
        let entry = conn
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE id = ?1"
            ))?
            .query_row([id.0], entry_from_row)?;
        retried.push(entry);
    }
    Ok(retried)
}

pub(super) fn drop_dead(conn: &Connection, which: Selection, now: i64) -> Written<u64> {
    let mut dropped = 0;
    for id in selected(conn, which)? {
        let keys = delete_entry(conn, id, "dead")?;
        add_done_mark(conn, Some(id), now, &keys)?;
        dropped += 1;
    }
    Ok(dropped)
}

/// An inline delivery was handled: its keys become a done mark.
pub(super) fn finish(conn: &Connection, keys: &[DedupeKey], now: i64) -> Written<()> {
    add_done_mark(conn, None, now, &keys_to_blob(keys))?;
    Ok(())
}

/// Writes or deletes a user's state (after the done mark of the delivery
/// whose handler changed it, in the same transaction).
pub(super) fn change_state(
    conn: &Connection,
    change: Option<&StateChange>,
    now: i64,
) -> Written<()> {
    let Some(StateChange { key, data }) = change else {
        return Ok(());
    };
    match data {
        Some(data) => conn
            .prepare_cached(
                "INSERT INTO states (agent, user, data, updated_at_ms) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (agent, user) DO UPDATE
                 SET data = excluded.data, updated_at_ms = excluded.updated_at_ms",
            )?
            .execute(params![key.agent, key.user, data, now])?,
        None => conn
            .prepare_cached("DELETE FROM states WHERE agent = ?1 AND user = ?2")?
            .execute(params![key.agent, key.user])?,
    };
    Ok(())
}

/// The state of `key`, if it was written at `alive_since_ms` or later.
pub(super) fn state(
    conn: &Connection,
    key: &StateKey,
    alive_since_ms: i64,
) -> rusqlite::Result<Option<StoredState>> {
    conn.prepare_cached(
        "SELECT data, updated_at_ms FROM states
         WHERE agent = ?1 AND user = ?2 AND updated_at_ms >= ?3",
    )?
    .query_row(params![key.agent, key.user, alive_since_ms], |row| {
        Ok(StoredState {
            data: row.get(0)?,
            updated_at_ms: row.get(1)?,
        })
    })
    .optional()
}

/// Deletes at most `limit` states last written before `alive_since_ms`,
/// oldest first.
pub(super) fn prune_states(conn: &Connection, alive_since_ms: i64, limit: usize) -> Written<u64> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let deleted = conn
        .prepare_cached(
            "DELETE FROM states WHERE (agent, user) IN (
                 SELECT agent, user FROM states WHERE updated_at_ms < ?1
                 ORDER BY updated_at_ms LIMIT ?2)",
        )?
        .execute(params![alive_since_ms, limit])?;
    Ok(deleted as u64)
}

/// The done marks [`prune`] removed: how many, and their keys to unmark.
#[derive(Debug, Default)]
pub(super) struct Pruned {
    pub(super) count: u64,
    pub(super) keys: Vec<DedupeKey>,
}

/// Prunes at most `limit` done marks, oldest first: those done before
/// `cutoff_ms`, then any beyond `capacity`.
pub(super) fn prune(
    conn: &Connection,
    cutoff_ms: i64,
    capacity: usize,
    limit: usize,
) -> Written<Pruned> {
    // Marks are only ever added at the end and pruned from the front, so
    // their ids are contiguous and the count costs two index look-ups (one
    // per subquery: `min(id), max(id)` in one select would scan).
    let (first, last): (Option<i64>, Option<i64>) = conn
        .prepare_cached(
            "SELECT (SELECT min(id) FROM done_marks), (SELECT max(id) FROM done_marks)",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    let mut pruned = Pruned::default();
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(pruned);
    };
    let mut count = u64::try_from(last - first + 1).unwrap_or(0);
    let capacity = capacity as u64;
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut oldest =
        conn.prepare_cached("SELECT id, done_at_ms, keys FROM done_marks ORDER BY id LIMIT ?1")?;
    let mut rows = oldest.query([limit])?;
    let mut pruned_to = None;
    while let Some(row) = rows.next()? {
        let done_at_ms: i64 = row.get(1)?;
        if done_at_ms >= cutoff_ms && count <= capacity {
            break;
        }
        let keys = row.get_ref(2)?.as_blob().map_err(rusqlite::Error::from)?;
        pruned.keys.extend(distinct_keys(2, keys)?);
        pruned_to = Some(row.get::<_, i64>(0)?);
        count -= 1;
        pruned.count += 1;
    }
    drop(rows);
    if let Some(id) = pruned_to {
        conn.prepare_cached("DELETE FROM done_marks WHERE id <= ?1")?
            .execute([id])?;
    }
    Ok(pruned)
}

/// Every marked key: those of the entries (waiting and dead) and of the
/// done marks, one holder per row.
pub(super) fn load_marks(conn: &Connection) -> rusqlite::Result<Marks> {
    let mut marks = Marks::default();
    let mut keys =
        conn.prepare("SELECT keys FROM entries UNION ALL SELECT keys FROM done_marks")?;
    let mut rows = keys.query([])?;
    while let Some(row) = rows.next()? {
        let blob = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
        marks.add(distinct_keys(0, blob)?);
    }
    Ok(marks)
}

pub(super) fn pending_after(
    conn: &Connection,
    after: Option<EntryId>,
    limit: usize,
) -> rusqlite::Result<Vec<Entry>> {
    let after = after.map_or(i64::MIN, |id| id.0);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries
         WHERE id > ?1 AND state = 'waiting' ORDER BY id LIMIT ?2"
    ))?
    .query_map(params![after, limit], entry_from_row)?
    .collect()
}

pub(super) fn waiting_entry(conn: &Connection, id: EntryId) -> rusqlite::Result<Option<Entry>> {
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS} FROM entries WHERE id = ?1 AND state = 'waiting'"
    ))?
    .query_row([id.0], entry_from_row)
    .optional()
}

pub(super) fn dead_letters(conn: &Connection, limit: usize) -> rusqlite::Result<Vec<DeadLetter>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    conn.prepare_cached(&format!(
        "SELECT {ENTRY_COLUMNS}, died_at_ms FROM entries
         WHERE state = 'dead' ORDER BY id LIMIT ?1"
    ))?
    .query_map([limit], |row| {
        let entry = entry_from_row(row)?;
        Ok(DeadLetter {
            error: entry.last_error.clone().unwrap_or_default(),
            died_at_ms: row.get(13)?,
            entry,
        })
    })?
    .collect()
}

pub(super) fn status(conn: &Connection) -> rusqlite::Result<InboxStatus> {
    // One read transaction, so the counts agree with each other.
    let tx = conn.unchecked_transaction()?;
    let (waiting, retrying, oldest_received_at_ms) = tx
        .prepare_cached(
            "SELECT count(*), coalesce(sum(attempts > 0), 0), min(received_at_ms)
             FROM entries WHERE state = 'waiting'",
        )?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    let dead = tx
        .prepare_cached("SELECT count(*) FROM entries WHERE state = 'dead'")?
        .query_row([], |row| row.get(0))?;
    let done_marks = tx
        .prepare_cached("SELECT count(*) FROM done_marks")?
        .query_row([], |row| row.get(0))?;
    tx.finish()?;
    Ok(InboxStatus {
        waiting,
        retrying,
        oldest_received_at_ms,
        dead,
        done_marks,
    })
}
