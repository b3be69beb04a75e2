/**
 * APPLY_ENTRIES: every write of one accepted payload in ONE script, so a transaction is all or
 * nothing across a crash of any process and across a Redis outage (a script runs whole or not at all;
 * with AOF it is logged as one unit). Re-running it for the same payload returns the answer of the
 * first run (kept under the payload's result key), so a job that runs twice answers and writes once.
 *
 * One pass decides every entry in order, each seeing what the entries before it wrote (a resource
 * twice in one payload, an identifier an earlier entry registered). Those writes are kept in the
 * script until the pass ends and then sent once per key (chunked), so a transaction with a failed
 * entry sends none of them: the earlier two-pass script decided a transaction's entries without each
 * other's writes, and a key moved to another patient by a later entry of the same transaction was
 * refused while the earlier entry was stored. (Sending once per key did not change Redis's time per
 * entry measurably: it is in the hash inserts and the script's own bookkeeping, ~15 µs per created
 * entry in all.)
 *
 * Redis Cluster: the keys of one payload span several patients' hash tags plus the global locator,
 * so this script needs every key on one node (standalone Redis or Sentinel). See README "Guarantees".
 *
 * KEYS: 1 locator, 2 patients set, 3 result key, 4 identifier index,
 *       then per scope (patient, or unscoped) 4 keys: resHeads, resBodies, lastUpdated, events
 * ARGV: 1 result TTL seconds (0: kept until the caller removes it), 2 mode ('tx' | 'batch'),
 *       then per entry FIELDS values: key, patient ('' = none), fingerprint, sender versionId,
 *       sender lastUpdated ms ('' = none), If-Match version, If-None-Match ('*' or version),
 *       If-None-Exist token, identifier tokens ('\n'-joined), body, no-events ('1': the worker
 *       mapped this content to no events, so a version written is stored as ingested and the
 *       resource's earlier events are removed here, atomically; nothing is left to map), scope
 *       (1-based position of the entry's scope in KEYS)
 * Returns the JSON answer: [[outcome, version, lastUpdatedMs, needsIngest, contentDiffers, other,
 * removedEvents], ...]; removedEvents (1/0) only for a version stored as ingested (no-events): whether
 * the resource had events that this write removed.
 * outcome: created | updated | unchanged | older | exists | moved | precondition | aborted
 */
export const APPLY_FIELDS = 12;

/**
 * Headers and the answer as JSON text (the script's headerText and rowText); needs a local 'now' (ms)
 * before it. A constant of its own so a test can run it against cjson.encode.
 */
export const JSON_TEXT = `-- Headers and the answer are written as JSON text here, not by cjson.encode: cjson (and Lua's own
-- number-to-string) writes every number through printf's %.14g, several per entry, which was ~14 % of
-- Redis's instructions in an end-to-end run (callgrind). Every number here is a whole number (versions,
-- millisecond times, 0/1 flags), written with %d; strings still go through cjson (escaping).
local function int(x)
  if x == 0 then return '0' elseif x == 1 then return '1' end
  return string.format('%d', x)
end
local nowText = int(now)
local function ms(x) if x == now then return nowText end return int(x) end

-- A header (see scripts.ts): the same JSON cjson.encode gives, its fields in a fixed order.
local function headerText(h)
  local s = '{"v":' .. int(h.v) .. ',"lu":' .. ms(h.lu) .. ',"fp":' .. cjson.encode(h.fp)
  if h.cv then s = s .. ',"cv":' .. cjson.encode(h.cv) end
  if h.icv then s = s .. ',"icv":' .. int(h.icv) end
  if h.it then s = s .. ',"it":' .. cjson.encode(h.it) end
  if h.clu then s = s .. ',"clu":' .. int(h.clu) end
  if h.iclu then s = s .. ',"iclu":' .. int(h.iclu) end
  if h.iv then s = s .. ',"iv":' .. int(h.iv) end
  return s .. '}'
end

-- One row of the answer: [outcome, version, lastUpdatedMs, needsIngest, contentDiffers, other, removedEvents?].
local function rowText(r)
  local s = '["' .. r[1] .. '",' .. int(r[2]) .. ',' .. ms(r[3]) .. ',' .. int(r[4]) .. ',' .. int(r[5])
  s = s .. ',' .. cjson.encode(r[6])
  if r[7] ~= nil then s = s .. ',' .. int(r[7]) end
  return s .. ']'
end
`;

/** Field/value pairs per command when the collected writes are sent (Lua's unpack has a stack limit). */
const PAIRS_PER_CALL = 500;

export const APPLY_ENTRIES = `
local done = redis.call('GET', KEYS[3])
if done then return done end
local F = ${APPLY_FIELDS}
local n = (#ARGV - 2) / F
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

${JSON_TEXT}
local function arg(i, f) return ARGV[2 + (i - 1) * F + f] end
local function key(i, k) return KEYS[4 + (tonumber(arg(i, 12)) - 1) * 4 + k] end

-- This payload's writes so far: key -> field -> value (read before Redis, sent at the end).
local pending = {}
local function pend(k, field, value)
  local t = pending[k]
  if not t then t = {}; pending[k] = t end
  t[field] = value
end
local function read(k, field)
  local t = pending[k]
  local v = t and t[field]
  if v ~= nil then return v end
  return redis.call('HGET', k, field)
end
local removing = {} -- events key -> { resource key -> true }
local scored = {}   -- lastUpdated key -> { resource key -> true }
local members = {}  -- patients added

-- Sender order: numeric meta.versionId where both are numeric, else meta.lastUpdated, else arrival.
-- icv / iclu: the stored version carries the sender versionId / lastUpdated of the version it replaced
-- (it came without its own), so it is newer than that value: an equal one is older too.
local function older(h, cv, clu)
  if h.icv and cv ~= '' and cv == h.cv then return true end
  local a, b = tonumber(cv), tonumber(h.cv or '')
  if a and b then return a < b end
  local c = tonumber(clu)
  if c and h.clu then return c < h.clu or (h.iclu ~= nil and c == h.clu) end
  return false
end

-- The identifier index (token -> key, first writer wins). A token a resource's new version dropped no
-- longer finds it (its header keeps its tokens, 'it'); removals are sent after the sets, so a token
-- dropped and taken again in one payload is only set.
local unindexed = {}
local function indexed(token)
  if unindexed[token] then return false end
  return read(KEYS[4], token)
end
local function index(token, rkey)
  unindexed[token] = nil
  pend(KEYS[4], token, rkey)
end
local function unindex(token)
  unindexed[token] = true
  if pending[KEYS[4]] then pending[KEYS[4]][token] = nil end
end

local located -- the entry decided last: its key's patient in the locator (false: not located yet)
local function decide(i)
  local rkey, patient = arg(i, 1), arg(i, 2)
  local fp, cv, clu = arg(i, 3), arg(i, 4), arg(i, 5)
  local ifMatch, ifNoneMatch, ifNoneExist = arg(i, 6), arg(i, 7), arg(i, 8)
  local at = read(KEYS[1], rkey)
  located = at
  if at and at ~= patient then return {'moved', 0, 0, 0, 0, ''} end
  if ifNoneExist ~= '' then
    local found = indexed(ifNoneExist)
    if found then return {'exists', 0, 0, 0, 0, found} end
  end
  local cur = read(key(i, 1), rkey)
  local h = nil
  if cur then h = cjson.decode(cur) end
  if ifMatch ~= '' and (not h or tostring(h.v) ~= ifMatch) then return {'precondition', 0, 0, 0, 0, 'If-Match'} end
  if ifNoneMatch ~= '' and h and (ifNoneMatch == '*' or tostring(h.v) == ifNoneMatch) then
    return {'precondition', 0, 0, 0, 0, 'If-None-Match'}
  end
  if not h then return {'created', 1, now, 1, 0, ''} end
  local needs = 0
  if h.iv ~= h.v then needs = 1 end
  if h.fp == fp or (cv ~= '' and h.cv == cv and not h.icv) then
    local differs = 0
    if h.fp ~= fp then differs = 1 end
    return {'unchanged', h.v, h.lu, needs, differs, ''}
  end
  if older(h, cv, clu) then return {'older', h.v, h.lu, needs, 1, h.cv or ''} end
  return {'updated', h.v + 1, now, 1, 0, ''}
end

local function write(i, r)
  local rkey, patient = arg(i, 1), arg(i, 2)
  -- headerText writes these fields and the ones set below: a new field must be added there too.
  local h = { v = r[2], lu = now, fp = arg(i, 3) }
  local prev = nil
  if r[1] == 'updated' then prev = cjson.decode(read(key(i, 1), rkey)) end
  -- An update without the sender's versionId (or lastUpdated) keeps the previous one's: it is newer
  -- than that version, so a late replay of an older one must still be found older.
  if arg(i, 4) ~= '' then h.cv = arg(i, 4) elseif prev and prev.cv then h.cv, h.icv = prev.cv, 1 end
  local tokens = arg(i, 9)
  if tokens ~= '' then h.it = tokens end
  local dropped = prev and prev.it -- the previous version's tokens (headers from before 'it' have none)
  local clu = tonumber(arg(i, 5))
  if clu then h.clu = clu elseif prev and prev.clu then h.clu, h.iclu = prev.clu, 1 end
  if arg(i, 11) == '1' then
    h.iv = r[2]
    local removed = 0
    -- a created resource has no earlier events
    if r[1] == 'updated' then
      local ek = key(i, 4)
      local gone = removing[ek] and removing[ek][rkey]
      if not gone and redis.call('HEXISTS', ek, rkey) == 1 then
        removed = 1
        removing[ek] = removing[ek] or {}
        removing[ek][rkey] = true
      end
    end
    r[4] = 0
    r[7] = removed
  end
  pend(key(i, 1), rkey, headerText(h))
  pend(key(i, 2), rkey, arg(i, 10))
  local zk = key(i, 3)
  scored[zk] = scored[zk] or {}
  scored[zk][rkey] = true
  if not located then pend(KEYS[1], rkey, patient) end -- write(i) follows decide(i)
  if patient ~= '' then members[patient] = true end
  local kept = {}
  for token in string.gmatch(tokens, '[^\\n]+') do
    kept[token] = true
    if not indexed(token) then index(token, rkey) end
  end
  if dropped then
    for token in string.gmatch(dropped, '[^\\n]+') do
      if not kept[token] and indexed(token) == rkey then unindex(token) end
    end
  end
end

local function failed(o) return o == 'moved' or o == 'precondition' end

-- Sends collected items in chunks: send(list) issues one command with a chunk's arguments.
local function chunked(items, width, send)
  local args = {}
  for _, item in ipairs(items) do
    for _, a in ipairs(item) do args[#args + 1] = a end
    if #args >= ${PAIRS_PER_CALL} * width then send(args); args = {} end
  end
  if #args > 0 then send(args) end
end

local function flush()
  for k, fields in pairs(pending) do
    local items = {}
    for f, v in pairs(fields) do items[#items + 1] = {f, v} end
    chunked(items, 2, function(args) redis.call('HSET', k, unpack(args)) end)
  end
  for k, fields in pairs(scored) do
    local items = {}
    for f in pairs(fields) do items[#items + 1] = {nowText, f} end
    chunked(items, 2, function(args) redis.call('ZADD', k, unpack(args)) end)
  end
  for k, fields in pairs(removing) do
    local items = {}
    for f in pairs(fields) do items[#items + 1] = {f} end
    chunked(items, 1, function(args) redis.call('HDEL', k, unpack(args)) end)
  end
  local items = {}
  for p in pairs(members) do items[#items + 1] = {p} end
  chunked(items, 1, function(args) redis.call('SADD', KEYS[2], unpack(args)) end)
  items = {}
  for token in pairs(unindexed) do items[#items + 1] = {token} end
  chunked(items, 1, function(args) redis.call('HDEL', KEYS[4], unpack(args)) end)
end

local function keep(enc)
  local ttl = tonumber(ARGV[1])
  if ttl > 0 then redis.call('SET', KEYS[3], enc, 'EX', ttl) else redis.call('SET', KEYS[3], enc) end
end

local out = {}
local bad = false
for i = 1, n do
  local r = decide(i)
  if r[1] == 'created' or r[1] == 'updated' then write(i, r) end
  if failed(r[1]) then bad = true end
  out[i] = r
end
if bad and ARGV[2] == 'tx' then
  -- nothing of a transaction with a failed entry is written
  for i = 1, n do
    if not failed(out[i][1]) then out[i] = {'aborted', 0, 0, 0, 0, ''} end
  end
else
  flush()
end
local rows = {}
for i = 1, n do rows[i] = rowText(out[i]) end
local enc = '[' .. table.concat(rows, ',') .. ']'
keep(enc)
return enc
`;
