/**
 * Lua scripts: each one changes one scope (one hash tag) atomically. Headers are small JSON objects
 * decoded in Lua; resource bodies are opaque strings Lua never decodes (cjson would turn [] into {}
 * and round decimals).
 *
 * Header: { v: version (int), lu: last-updated ms, fp: fingerprint, cv?: sender's versionId,
 *           clu?: sender's lastUpdated ms,
 *           iv?: version whose events are stored (ingested) }
 * Source resources are written by apply-script.ts.
 */

/**
 * Store the events mapped from source resource versions of one scope (or drop them: retraction / no
 * events), each unless a newer version of its resource was stored meanwhile (then that version's own
 * ingest writes). One call per scope: a bundle of hundreds of resources costs a few calls, not hundreds.
 * KEYS: resHeads, events   ARGV: triples (key, version, eventsJson ('' = delete))
 * Returns per triple 1 when written, 0 when stale.
 */
export const SAVE_EVENTS = `
local out = {}
for i = 1, #ARGV, 3 do
  local key, events = ARGV[i], ARGV[i + 2]
  local cur = redis.call('HGET', KEYS[1], key)
  local written = 0
  if cur then
    local h = cjson.decode(cur)
    if h.v == tonumber(ARGV[i + 1]) then
      if events == '' then
        redis.call('HDEL', KEYS[2], key)
      else
        redis.call('HSET', KEYS[2], key, events)
      end
      h.iv = h.v
      redis.call('HSET', KEYS[1], key, cjson.encode(h))
      written = 1
    end
  end
  out[#out + 1] = written
end
return out
`;

/**
 * Save derived outputs of one assemble run, guarded by its claim so an older run never overwrites a
 * newer one. Unchanged outputs (same fingerprint) keep their version. Each new version is also marked
 * "not yet notified" (see CLEAR_NOTIFIED).
 * KEYS: outHeads, outBodies, lastUpdated, assembled, historyKeyPrefix (not a real key: prefix string),
 *       unnotified
 * ARGV: claim, historyLimit, then triples (key, fingerprint, body)
 * Returns {'stale'} or {'saved', changedCount, key1, v1, lu1, key2, ...} for the changed outputs.
 */
export const SAVE_OUTPUTS = `
local claim = tonumber(ARGV[1])
local last = tonumber(redis.call('GET', KEYS[4]) or '0')
if claim < last then return {'stale'} end
redis.call('SET', KEYS[4], claim)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[2])
local changed = {}
for i = 3, #ARGV, 3 do
  local key, fp, body = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local cur = redis.call('HGET', KEYS[1], key)
  local v = 1
  local write = true
  if cur then
    local h = cjson.decode(cur)
    if h.fp == fp then
      write = false
    else
      v = h.v + 1
      local old = redis.call('HGET', KEYS[2], key)
      local hist = KEYS[5] .. key
      redis.call('LPUSH', hist, '{"h":' .. cur .. ',"b":' .. cjson.encode(old) .. '}')
      redis.call('LTRIM', hist, 0, limit - 1)
    end
  end
  if write then
    redis.call('HSET', KEYS[1], key, cjson.encode({ v = v, lu = now, fp = fp }))
    redis.call('HSET', KEYS[2], key, body)
    redis.call('ZADD', KEYS[3], now, key)
    redis.call('HSET', KEYS[6], key, v)
    table.insert(changed, key)
    table.insert(changed, v)
    table.insert(changed, now)
  end
end
return {'saved', #changed / 3, unpack(changed)}
`;

/**
 * Unmark output versions whose subscription notifications were enqueued, each only if it is still the
 * marked version (a newer one saved meanwhile stays marked for its own run).
 * KEYS: unnotified   ARGV: pairs (key, version)   Returns how many were unmarked.
 */
export const CLEAR_NOTIFIED = `
local n = 0
for i = 1, #ARGV, 2 do
  if redis.call('HGET', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    redis.call('HDEL', KEYS[1], ARGV[i])
    n = n + 1
  end
end
return n
`;
