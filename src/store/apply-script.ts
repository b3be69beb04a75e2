/**
 * APPLY_ENTRIES: every write of one accepted payload in ONE script, so a transaction is all or
 * nothing across a crash of any process and across a Redis outage (a script runs whole or not at all;
 * with AOF it is logged as one unit). Re-running it for the same payload returns the answer of the
 * first run (kept under the payload's result key), so a job that runs twice answers and writes once.
 *
 * Redis Cluster: the keys of one payload span several patients' hash tags plus the global locator,
 * so this script needs every key on one node (standalone Redis or Sentinel). See README "Guarantees".
 *
 * KEYS: 1 locator, 2 patients set, 3 result key, 4 identifier index,
 *       then per entry 4 keys: resHeads, resBodies, lastUpdated, events (of the entry's scope)
 * ARGV: 1 result TTL seconds (0: kept until the caller removes it), 2 mode ('tx' | 'batch'),
 *       then per entry FIELDS values: key, patient ('' = none), fingerprint, sender versionId,
 *       sender lastUpdated ms ('' = none), If-Match version, If-None-Match ('*' or version),
 *       If-None-Exist token, identifier tokens ('\n'-joined), body, no-events ('1': the worker
 *       mapped this content to no events, so a version written is stored as ingested and the
 *       resource's earlier events are removed here, atomically; nothing is left to map)
 * Returns the JSON answer: [[outcome, version, lastUpdatedMs, needsIngest, contentDiffers, other,
 * removedEvents], ...]; removedEvents (1/0) only for a version stored as ingested (no-events): whether
 * the resource had events that this write removed.
 * outcome: created | updated | unchanged | older | exists | moved | precondition | aborted
 */
export const APPLY_FIELDS = 11;

export const APPLY_ENTRIES = `
local done = redis.call('GET', KEYS[3])
if done then return done end
local F = ${APPLY_FIELDS}
local n = (#ARGV - 2) / F
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function arg(i, f) return ARGV[2 + (i - 1) * F + f] end
local function key(i, k) return KEYS[4 + (i - 1) * 4 + k] end

-- Sender order: numeric meta.versionId where both are numeric, else meta.lastUpdated, else arrival.
local function older(h, cv, clu)
  local a, b = tonumber(cv), tonumber(h.cv or '')
  if a and b then return a < b end
  local c = tonumber(clu)
  if c and h.clu then return c < h.clu end
  return false
end

local function decide(i)
  local rkey, patient = arg(i, 1), arg(i, 2)
  local fp, cv, clu = arg(i, 3), arg(i, 4), arg(i, 5)
  local ifMatch, ifNoneMatch, ifNoneExist = arg(i, 6), arg(i, 7), arg(i, 8)
  local at = redis.call('HGET', KEYS[1], rkey)
  if at and at ~= patient then return {'moved', 0, 0, 0, 0, ''} end
  if ifNoneExist ~= '' then
    local found = redis.call('HGET', KEYS[4], ifNoneExist)
    if found then return {'exists', 0, 0, 0, 0, found} end
  end
  local cur = redis.call('HGET', key(i, 1), rkey)
  local h = nil
  if cur then h = cjson.decode(cur) end
  if ifMatch ~= '' and (not h or tostring(h.v) ~= ifMatch) then return {'precondition', 0, 0, 0, 0, 'If-Match'} end
  if ifNoneMatch ~= '' and h and (ifNoneMatch == '*' or tostring(h.v) == ifNoneMatch) then
    return {'precondition', 0, 0, 0, 0, 'If-None-Match'}
  end
  if not h then return {'created', 1, now, 1, 0, ''} end
  local needs = 0
  if h.iv ~= h.v then needs = 1 end
  if h.fp == fp or (cv ~= '' and h.cv == cv) then
    local differs = 0
    if h.fp ~= fp then differs = 1 end
    return {'unchanged', h.v, h.lu, needs, differs, ''}
  end
  if older(h, cv, clu) then return {'older', h.v, h.lu, needs, 1, h.cv or ''} end
  return {'updated', h.v + 1, now, 1, 0, ''}
end

local function write(i, r)
  local rkey, patient = arg(i, 1), arg(i, 2)
  local h = { v = r[2], lu = now, fp = arg(i, 3) }
  if arg(i, 4) ~= '' then h.cv = arg(i, 4) end
  local clu = tonumber(arg(i, 5))
  if clu then h.clu = clu end
  if arg(i, 11) == '1' then
    h.iv = r[2]
    -- a created resource has no earlier events
    local removed = 0
    if r[1] == 'updated' then removed = redis.call('HDEL', key(i, 4), rkey) end
    r[4] = 0
    r[7] = removed
  end
  redis.call('HSET', key(i, 1), rkey, cjson.encode(h))
  redis.call('HSET', key(i, 2), rkey, arg(i, 10))
  redis.call('ZADD', key(i, 3), now, rkey)
  redis.call('HSETNX', KEYS[1], rkey, patient)
  if patient ~= '' then redis.call('SADD', KEYS[2], patient) end
  for token in string.gmatch(arg(i, 9), '[^\\n]+') do redis.call('HSETNX', KEYS[4], token, rkey) end
end

-- The answer, for a re-run: kept until the payload is finished when no TTL is given (see PayloadLog.finish)
local function keep(enc)
  local ttl = tonumber(ARGV[1])
  if ttl > 0 then redis.call('SET', KEYS[3], enc, 'EX', ttl) else redis.call('SET', KEYS[3], enc) end
end

local function failed(o) return o == 'moved' or o == 'precondition' end
local out = {}
if ARGV[2] == 'tx' then
  local bad = false
  for i = 1, n do
    out[i] = decide(i)
    if failed(out[i][1]) then bad = true end
  end
  if bad then
    for i = 1, n do
      if not failed(out[i][1]) then out[i] = {'aborted', 0, 0, 0, 0, ''} end
    end
    local enc = cjson.encode(out)
    keep(enc)
    return enc
  end
end
for i = 1, n do
  -- decided again right before its write: a resource twice in one payload sees its first write
  local r = decide(i)
  if r[1] == 'created' or r[1] == 'updated' then write(i, r) end
  out[i] = r
end
local enc = '[]'
if n > 0 then enc = cjson.encode(out) end
keep(enc)
return enc
`;
