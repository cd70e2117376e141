//! The Lua scripts that make each store operation one atomic step in Redis.
//!
//! Every script takes the key prefix as `ARGV[1]` and builds key names from
//! it, so several agents can share one Redis. The layout, under prefix `p`:
//!
//! | key | type | what |
//! |---|---|---|
//! | `p:seq` | string | the last entry id given |
//! | `p:e:ID` | hash | an entry (waiting or dead): its fields, see `decode.rs` |
//! | `p:waiting` | sorted set | ids of waiting entries, scored by id |
//! | `p:w:N` | sorted set | the same, of partition `N` only |
//! | `p:oldest` | sorted set | ids of waiting entries, scored by receive time |
//! | `p:retrying` | set | ids of waiting entries that failed at least once |
//! | `p:dead` | sorted set | ids of dead letters, scored by id |
//! | `p:m:KEY` | string | a duplicate mark: `e` (an entry holds it) or `d` (done) |
//! | `p:c:KEY` | string | an inline claim, with a lease (`PX`) |
//! | `p:u:LANE` | string | a user's inline lock: a token, with a lease (`PX`) |
//! | `p:done` | sorted set | done marks: `N|KEY,KEY…`, scored by time |
//! | `p:dseq` | string | the last done mark's number |
//! | `p:s:AGENT:USER` | hash | a user's conversation state: `d` data, `t` time |
//! | `p:states` | sorted set | state keys, scored by last write, for their TTL |
//! | `p:lease:N` | string | the replica that handles partition `N`, with a lease (`PX`) |
//! | `p:replicas` | sorted set | replicas, scored by their last renewal (Redis time) |
//!
//! Times come from the store's clock as arguments, never from Redis's: the
//! same clock decides ages in every backend.

use redis::Script;

/// Functions every script may use.
const HELPERS: &str = r#"
local p = ARGV[1]
local function waiting(id)
  return redis.call('ZSCORE', p .. ':waiting', id) ~= false
end
local function unwait(id)
  local part = redis.call('HGET', p .. ':e:' .. id, 'part')
  if part then redis.call('ZREM', p .. ':w:' .. part, id) end
  redis.call('ZREM', p .. ':waiting', id)
  redis.call('ZREM', p .. ':oldest', id)
  redis.call('SREM', p .. ':retrying', id)
end
-- Appends `id, fields` of each entry of `ids` still stored to `out`,
-- preceded by `tag` when one is given.
local function list(ids, out, tag)
  for _, id in ipairs(ids) do
    local fields = redis.call('HGETALL', p .. ':e:' .. id)
    if #fields > 0 then
      if tag then out[#out + 1] = tag end
      out[#out + 1] = id
      out[#out + 1] = fields
    end
  end
  return out
end
-- Whether replica `me` ('' when the caller leases nothing) no longer holds
-- the lease of the partition entry `id` is in: another replica handles it.
local function fenced_out(id, me)
  if me == '' then return false end
  local part = redis.call('HGET', p .. ':e:' .. id, 'part')
  if not part then return false end
  return redis.call('GET', p .. ':lease:' .. part) ~= me
end
-- Turns the marks of `joined` (keys joined by ',') into one done mark,
-- named by a sequence number so that each mark is its own member (one with
-- no key of its own still counts, as in every backend).
local function done(joined, now)
  for key in string.gmatch(joined, '[^,]+') do
    redis.call('SET', p .. ':m:' .. key, 'd')
  end
  redis.call('ZADD', p .. ':done', now, redis.call('INCR', p .. ':dseq') .. '|' .. joined)
end
-- mode: 's' sets the state to data, 'x' deletes it, anything else: no change.
local function apply_state(mode, skey, data, now)
  if mode == 's' then
    redis.call('HSET', p .. ':s:' .. skey, 'd', data, 't', now)
    redis.call('ZADD', p .. ':states', now, skey)
  elseif mode == 'x' then
    redis.call('DEL', p .. ':s:' .. skey)
    redis.call('ZREM', p .. ':states', skey)
  end
end
"#;

/// ARGV: p, n, key×n, lane, webhook, data, received, partition, then
/// optional field and value pairs. Returns the new id, or 0 for a duplicate.
const APPEND: &str = r#"
local n = tonumber(ARGV[2])
for i = 3, 2 + n do
  if redis.call('EXISTS', p .. ':m:' .. ARGV[i]) == 1 then return 0 end
end
local keys = {}
for i = 3, 2 + n do keys[#keys + 1] = ARGV[i] end
local b = 2 + n
local recv, part = ARGV[b + 4], ARGV[b + 5]
local id = redis.call('INCR', p .. ':seq')
local e = p .. ':e:' .. id
redis.call('HSET', e, 'lane', ARGV[b + 1], 'webhook', ARGV[b + 2], 'data', ARGV[b + 3],
  'recv', recv, 'queued', recv, 'next', recv, 'att', 0, 'keys', table.concat(keys, ','),
  'part', part)
for i = b + 6, #ARGV, 2 do redis.call('HSET', e, ARGV[i], ARGV[i + 1]) end
for _, key in ipairs(keys) do redis.call('SET', p .. ':m:' .. key, 'e') end
redis.call('ZADD', p .. ':waiting', id, id)
redis.call('ZADD', p .. ':w:' .. part, id, id)
redis.call('ZADD', p .. ':oldest', recv, id)
return id
"#;

/// ARGV: p, after, count (-1: all). Returns id, fields, id, fields…
const PENDING: &str = r#"
return list(redis.call('ZRANGEBYSCORE', p .. ':waiting', '(' .. ARGV[2], '+inf', 'LIMIT', 0, ARGV[3]), {})
"#;

/// ARGV: p, id. Returns the waiting entry's fields, or nil.
const ENTRY: &str = r#"
if not waiting(ARGV[2]) then return false end
return redis.call('HGETALL', p .. ':e:' .. ARGV[2])
"#;

/// ARGV: p, id, now, state mode, state key, state data, replica. Returns
/// 1, 0 when the entry is not waiting, -2 when another replica handles it.
const COMPLETE: &str = r#"
local id, now = ARGV[2], ARGV[3]
if not waiting(id) then return 0 end
if fenced_out(id, ARGV[7]) then return -2 end
local e = p .. ':e:' .. id
done(redis.call('HGET', e, 'keys') or '', now)
unwait(id)
redis.call('DEL', e)
apply_state(ARGV[4], ARGV[5], ARGV[6], now)
return 1
"#;

/// ARGV: p, state mode, state key, state data, now.
const PUT_STATE: &str = r#"
apply_state(ARGV[2], ARGV[3], ARGV[4], ARGV[5])
return 1
"#;

/// ARGV: p, id, attempts, next attempt, error, replica. Returns 1, 0, or -2.
const RECORD_FAILURE: &str = r#"
local id = ARGV[2]
if not waiting(id) then return 0 end
if fenced_out(id, ARGV[6]) then return -2 end
redis.call('HSET', p .. ':e:' .. id, 'att', ARGV[3], 'next', ARGV[4], 'err', ARGV[5])
if tonumber(ARGV[3]) > 0 then
  redis.call('SADD', p .. ':retrying', id)
else
  redis.call('SREM', p .. ':retrying', id)
end
return 1
"#;

/// ARGV: p, id, error, now, replica. Returns 1, 0, or -2.
const DEAD_LETTER: &str = r#"
local id = ARGV[2]
if not waiting(id) then return 0 end
if fenced_out(id, ARGV[5]) then return -2 end
redis.call('HSET', p .. ':e:' .. id, 'err', ARGV[3], 'derr', ARGV[3], 'died', ARGV[4])
unwait(id)
redis.call('ZADD', p .. ':dead', id, id)
return 1
"#;

/// ARGV: p, count. Returns id, fields… of the oldest dead letters.
const DEAD_LETTERS: &str = r#"
return list(redis.call('ZRANGE', p .. ':dead', 0, tonumber(ARGV[2]) - 1), {})
"#;

/// The dead letters ARGV[2] selects (`all`, or one id): a table of ids, or
/// false when the one id is not a dead letter.
const SELECTED: &str = r#"
local function selected()
  if ARGV[2] == 'all' then return redis.call('ZRANGE', p .. ':dead', 0, -1) end
  if redis.call('ZSCORE', p .. ':dead', ARGV[2]) == false then return false end
  return { ARGV[2] }
end
"#;

/// ARGV: p, which, now. Returns id, fields… of the entries with their new
/// ids, or 0 when the one id selected is not a dead letter.
const RETRY_DEAD: &str = r#"
local ids = selected()
if not ids then return 0 end
local now = ARGV[3]
local out = {}
for _, old in ipairs(ids) do
  local id = redis.call('INCR', p .. ':seq')
  local e = p .. ':e:' .. id
  redis.call('RENAME', p .. ':e:' .. old, e)
  redis.call('HDEL', e, 'derr', 'died')
  redis.call('HSET', e, 'att', 0, 'next', now, 'queued', now)
  redis.call('ZREM', p .. ':dead', old)
  redis.call('ZADD', p .. ':waiting', id, id)
  redis.call('ZADD', p .. ':w:' .. (redis.call('HGET', e, 'part') or '0'), id, id)
  redis.call('ZADD', p .. ':oldest', redis.call('HGET', e, 'recv'), id)
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGETALL', e)
end
return out
"#;

/// ARGV: p, which, now. Returns how many were dropped, or -1 when the one
/// id selected is not a dead letter.
const DROP_DEAD: &str = r#"
local ids = selected()
if not ids then return -1 end
for _, id in ipairs(ids) do
  local e = p .. ':e:' .. id
  done(redis.call('HGET', e, 'keys') or '', ARGV[3])
  redis.call('DEL', e)
  redis.call('ZREM', p .. ':dead', id)
end
return #ids
"#;

/// ARGV: p. Returns waiting, retrying, dead, done marks, oldest receive
/// time (or nil).
const STATUS: &str = r#"
local oldest = redis.call('ZRANGE', p .. ':oldest', 0, 0, 'WITHSCORES')
return { redis.call('ZCARD', p .. ':waiting'), redis.call('SCARD', p .. ':retrying'),
  redis.call('ZCARD', p .. ':dead'), redis.call('ZCARD', p .. ':done'), oldest[2] or false }
"#;

/// ARGV: p, lease ms, key… Returns 0 fresh (claimed), 1 in flight, 2 done.
const CLAIM: &str = r#"
for i = 3, #ARGV do
  if redis.call('EXISTS', p .. ':m:' .. ARGV[i]) == 1 then return 2 end
end
for i = 3, #ARGV do
  if redis.call('EXISTS', p .. ':c:' .. ARGV[i]) == 1 then return 1 end
end
for i = 3, #ARGV do redis.call('SET', p .. ':c:' .. ARGV[i], 1, 'PX', ARGV[2]) end
return 0
"#;

/// ARGV: p, handled (1 or 0), now, state mode, state key, state data, key…
const FINISH: &str = r#"
local now = ARGV[3]
for i = 7, #ARGV do redis.call('DEL', p .. ':c:' .. ARGV[i]) end
if ARGV[2] ~= '1' then return 1 end
local fresh = {}
for i = 7, #ARGV do
  if redis.call('EXISTS', p .. ':m:' .. ARGV[i]) == 0 then fresh[#fresh + 1] = ARGV[i] end
end
done(table.concat(fresh, ','), now)
apply_state(ARGV[4], ARGV[5], ARGV[6], now)
return 1
"#;

/// ARGV: p, limit, now, mark TTL ms, capacity, state cutoff ('' for none).
/// Returns how many done marks were pruned.
const PRUNE: &str = r#"
local limit, cutoff = tonumber(ARGV[2]), tonumber(ARGV[3]) - tonumber(ARGV[4])
local capacity = tonumber(ARGV[5])
local pruned = 0
while pruned < limit do
  local oldest = redis.call('ZRANGE', p .. ':done', 0, 0, 'WITHSCORES')
  if #oldest == 0 then break end
  if tonumber(oldest[2]) >= cutoff and redis.call('ZCARD', p .. ':done') <= capacity then break end
  for key in string.gmatch(string.match(oldest[1], '|(.*)$'), '[^,]+') do
    local mark = p .. ':m:' .. key
    if redis.call('GET', mark) == 'd' then redis.call('DEL', mark) end
  end
  redis.call('ZREM', p .. ':done', oldest[1])
  pruned = pruned + 1
end
if ARGV[6] ~= '' then
  local stale = redis.call('ZRANGEBYSCORE', p .. ':states', '-inf', '(' .. ARGV[6], 'LIMIT', 0, limit)
  for _, skey in ipairs(stale) do
    redis.call('DEL', p .. ':s:' .. skey)
    redis.call('ZREM', p .. ':states', skey)
  end
end
return pruned
"#;

/// ARGV: p, count, then partition and after pairs. Returns partition, id,
/// fields… of the waiting entries of those partitions with a larger id,
/// at most `count` per partition, in id order within each.
const PENDING_IN: &str = r#"
local out = {}
for i = 3, #ARGV, 2 do
  local ids = redis.call('ZRANGEBYSCORE', p .. ':w:' .. ARGV[i], '(' .. ARGV[i + 1], '+inf',
    'LIMIT', 0, ARGV[2])
  list(ids, out, ARGV[i])
end
return out
"#;

/// ARGV: p, replica, lease ms, partitions, partitions to give up (`,`
/// separated). Renews the replica's leases and its heartbeat, gives up
/// those named, and takes free partitions up to its fair share (all of
/// them over the replicas alive). Returns the fair share, then the
/// partitions it holds.
const BALANCE: &str = r#"
local me, lease, count = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', p .. ':replicas', now, me)
redis.call('ZREMRANGEBYSCORE', p .. ':replicas', '-inf', '(' .. (now - lease))
for part in string.gmatch(ARGV[5], '[^,]+') do
  if redis.call('GET', p .. ':lease:' .. part) == me then redis.call('DEL', p .. ':lease:' .. part) end
end
local alive = redis.call('ZCARD', p .. ':replicas')
local share = math.ceil(count / math.max(alive, 1))
local held = {}
for part = 0, count - 1 do
  if redis.call('GET', p .. ':lease:' .. part) == me then
    redis.call('PEXPIRE', p .. ':lease:' .. part, lease)
    held[#held + 1] = part
  end
end
for part = 0, count - 1 do
  if #held >= share then break end
  if redis.call('SET', p .. ':lease:' .. part, me, 'NX', 'PX', lease) then
    held[#held + 1] = part
  end
end
table.insert(held, 1, share)
return held
"#;

/// ARGV: p, replica, partitions. Gives up every lease the replica holds
/// and its place among the replicas.
const RELEASE_ALL: &str = r#"
for part = 0, tonumber(ARGV[3]) - 1 do
  if redis.call('GET', p .. ':lease:' .. part) == ARGV[2] then
    redis.call('DEL', p .. ':lease:' .. part)
  end
end
redis.call('ZREM', p .. ':replicas', ARGV[2])
return 1
"#;

/// ARGV: p, lock key, token. Deletes the lock if the token still holds it.
const RELEASE_LANE: &str = r#"
if redis.call('GET', ARGV[2]) == ARGV[3] then redis.call('DEL', ARGV[2]) end
return 1
"#;

/// The scripts, loaded once per store (`EVALSHA`, `EVAL` on a miss).
pub(super) struct Scripts {
    pub(super) append: Script,
    pub(super) pending: Script,
    pub(super) entry: Script,
    pub(super) complete: Script,
    pub(super) put_state: Script,
    pub(super) record_failure: Script,
    pub(super) dead_letter: Script,
    pub(super) dead_letters: Script,
    pub(super) retry_dead: Script,
    pub(super) drop_dead: Script,
    pub(super) status: Script,
    pub(super) claim: Script,
    pub(super) finish: Script,
    pub(super) prune: Script,
    pub(super) pending_in: Script,
    pub(super) balance: Script,
    pub(super) release_all: Script,
    pub(super) release_lane: Script,
}

impl Scripts {
    pub(super) fn new() -> Self {
        let with_helpers = |body: &str| Script::new(&format!("{HELPERS}{body}"));
        let with_selection = |body: &str| Script::new(&format!("{HELPERS}{SELECTED}{body}"));
        Self {
            append: with_helpers(APPEND),
            pending: with_helpers(PENDING),
            entry: with_helpers(ENTRY),
            complete: with_helpers(COMPLETE),
            put_state: with_helpers(PUT_STATE),
            record_failure: with_helpers(RECORD_FAILURE),
            dead_letter: with_helpers(DEAD_LETTER),
            dead_letters: with_helpers(DEAD_LETTERS),
            retry_dead: with_selection(RETRY_DEAD),
            drop_dead: with_selection(DROP_DEAD),
            status: with_helpers(STATUS),
            claim: with_helpers(CLAIM),
            finish: with_helpers(FINISH),
            prune: with_helpers(PRUNE),
            pending_in: with_helpers(PENDING_IN),
            balance: with_helpers(BALANCE),
            release_all: with_helpers(RELEASE_ALL),
            release_lane: with_helpers(RELEASE_LANE),
        }
    }
}
