// The usage scripts: spend counters, and the usage stream with its rollups, each applied once per request however
// often a write is retried (a reply lost to a stalled or restarted Redis, a command that ran
// after its timeout, ioredis resending a command on reconnect).
//
// How "once" is kept: every record a pod writes carries a sequence number of that pod process
// (`seq`, 0, 1, 2, … in the order the requests were accounted), and the pod writes the records
// of one key (or of the stream) in seq order, one batch at a time, a failed batch's records
// first in the next one. So a per-pod mark holding the highest seq applied for that key (or the
// stream) tells which records of a call were applied before: those at or below it are skipped.
// The mark lives next to what it guards, under the same hash tag, and is written by the same
// script, so both survive (or are lost by) a Redis crash together, AOF or not. It expires a day
// after the pod's last write there (see USAGE_MARK_TTL_MS).

/** How long a pod's applied mark outlives its last write: the longest a retried write can come late. */
export const USAGE_MARK_TTL_MS = 86_400_000;

/**
 * Add a key's records to its day and month spend counters, and give back their budget
 * reservations, skipping the records this pod applied before.
 *
 * Two forms. `a` (aggregate), for records sent for the first time: each is newer than anything
 * this pod sent before (records go in seq order, earlier ones first), so none can have been
 * applied and the caller sends their sums per period; should the mark say otherwise, nothing is
 * applied and { -1, 0 } tells the caller to send them again one by one. `r` (records), for a
 * batch holding records sent before: one by one, so each is checked against the mark.
 *
 * KEYS: 1 this pod's applied mark for the key, 2 the key's reservations zset
 *       (member `<id>|<nano-USD>` → lease expiry ms), 3 the key's reserved sum (nano-USD),
 *       then per period: 2p+2 spend hash of the day, 2p+3 spend hash of the month (p = 1, 2, …)
 * ARGV: 1 day ttl s, 2 month ttl s, 3 mark ttl ms, 4 form, then
 *   a: 5 lowest seq, 6 highest seq, 7 periods n, then per period p = 1…n:
 *      cost nano-USD, records, prompt, completion, cached tokens; then the reservation members
 *   r: per record (in seq order): seq, period p, cost nano-USD, prompt, completion, cached
 *      tokens, reservation member ('' = none)
 * The spend hashes count cost as integer nano-USD (`cost_nusd`, HINCRBY: exact, and a fraction
 * of HINCRBYFLOAT's long-double formatting); hashes written before it hold a USD `cost` field
 * instead, and readers add the two (admit-script.ts, core's readKeySpend).
 * Returns { records applied, records skipped as applied before } (or { -1, 0 }, see above).
 */
export const ACCOUNT_ONCE_LUA = `
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
local applied, skipped, top = 0, 0, last
local sums, periods, held = {}, {}, {}
if ARGV[4] == 'a' then
  if tonumber(ARGV[5]) <= last then return { -1, 0 } end
  top = tonumber(ARGV[6])
  local i = 8
  for p = 1, tonumber(ARGV[7]) do
    sums[p] = { tonumber(ARGV[i]), tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), tonumber(ARGV[i + 3]), tonumber(ARGV[i + 4]) }
    periods[p] = p
    applied = applied + sums[p][2]
    i = i + 5
  end
  for j = i, #ARGV do held[#held + 1] = ARGV[j] end
else
  for i = 5, #ARGV, 7 do
    local seq = tonumber(ARGV[i])
    if seq <= last then
      skipped = skipped + 1
    else
      applied = applied + 1
      if seq > top then top = seq end
      local p = tonumber(ARGV[i + 1])
      local s = sums[p]
      if not s then
        s = { 0, 0, 0, 0, 0 }
        sums[p] = s
        periods[#periods + 1] = p
      end
      s[1] = s[1] + tonumber(ARGV[i + 2])
      s[2] = s[2] + 1
      s[3] = s[3] + tonumber(ARGV[i + 3])
      s[4] = s[4] + tonumber(ARGV[i + 4])
      s[5] = s[5] + tonumber(ARGV[i + 5])
      if ARGV[i + 6] ~= '' then held[#held + 1] = ARGV[i + 6] end
    end
  end
end
for _, p in ipairs(periods) do
  local s = sums[p]
  local cost = string.format('%.0f', s[1])
  for j = 0, 1 do
    local k = KEYS[2 * p + 2 + j]
    if s[1] ~= 0 then redis.call('HINCRBY', k, 'cost_nusd', cost) end
    redis.call('HINCRBY', k, 'requests', s[2])
    redis.call('HINCRBY', k, 'prompt_tokens', s[3])
    redis.call('HINCRBY', k, 'completion_tokens', s[4])
    redis.call('HINCRBY', k, 'cached_tokens', s[5])
    redis.call('EXPIRE', k, ARGV[1 + j])
  end
end
-- The spend is in: the reservations made for it go. One that already expired was taken off the sum then.
local freed = 0
for _, m in ipairs(held) do
  if redis.call('ZREM', KEYS[2], m) == 1 then freed = freed + tonumber(string.match(m, '|(%d+)$')) end
end
if freed > 0 then redis.call('DECRBY', KEYS[3], freed) end
if applied > 0 then redis.call('SET', KEYS[1], top, 'PX', ARGV[3]) end
return { applied, skipped }
`;

/**
 * Append a batch of usage events to the stream as one entry and add them to the usage rollups, skipping the records this
 * pod streamed before: the same mark guards both, so an event is in the rollups exactly when it
 * is in the stream. Forms as in ACCOUNT_ONCE_LUA: `a` for events sent for the first time (none
 * can have been streamed; the entry is compact, field `c`: core's usageRowsJson), `r` one by one with their seq,
 * each an event object that the script decodes (the entry holds those not applied: field `b`, a
 * JSON array of them, core's usageBatchJson).
 *
 * The stream's bound counts events, not entries (an entry holds one event at low load, dozens
 * under load): the index list (KEYS 3) has one item per entry, `<events before it> <its events>
 * <id>`, and while at least the bound would be left without them, the oldest entries go (XTRIM
 * MINID the first one kept, which also takes any older entry the list does not know: those of
 * one event each that gateways before batches wrote). So at least the bound is kept, and less
 * than the bound plus one batch, as with MAXLEN ~.
 *
 * Rollups (core's usage-rollup-keys.ts): each model request's event (not an MCP tool call's) adds to its hour's and its UTC day's `total`
 * hash and to the `<dimension>:<metric>` hashes (field = key id, model, provider), summed first
 * so a batch costs one HINCRBY per hash and field. Integer counters; cost in nano-USD. Each hash
 * expires a fixed time after its bucket ends (EXPIREAT, set by the call that adds a field to it). In the `a` form (all or nothing) the pod
 * sends the batch's sums (usage-rollup-args.ts: decoding and summing here cost Redis, which
 * every pod shares, more than the XADDs); in the `r` form the script decodes each event it
 * applies (`roll`, the same arithmetic: a test holds the two forms equal).
 *
 * KEYS: 1 the stream, 2 this pod's applied mark for the stream, 3 the stream's index list, then
 *       the rollup hashes of each hour bucket the events fall in, then of each day bucket:
 *       ROLLUP_BLOCK keys per bucket (`total`, then per dimension key, model, provider its
 *       metrics in ROLLUP_METRICS order)
 * ARGV: 1 the bound (events), 2 mark ttl ms, 3 hour bucket ttl s, 4 day bucket ttl s,
 *       5 hour buckets n, 6 day buckets m, then the n epoch hours, the m epoch days, then at
 *       f = 7 + n + m the form, then
 *   a: f+1 lowest seq, f+2 highest seq, f+3 events e, f+4 the events as one compact entry (in
 *      seq order), then the rollup sums per hour: its position among the hours (0-based), its
 *      day's among the days, NM counters of the total, then per dimension the number of names
 *      and each name with its NM counters (added to the hour's hashes and to the day's)
 *   r: per record (in seq order): seq, event JSON
 * Returns { records applied, records skipped as applied before } (or { -1, 0 }).
 */
export const XADD_ONCE_LUA = `
local BLOCK, NM = 28, 9
local METRICS = { 'requests', 'errors', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'cost_nusd', 'estimated', 'latency_ms', 'cache_write_tokens' }
local nh, nd = tonumber(ARGV[5]), tonumber(ARGV[6])
local base, expire_at = {}, {}
for i = 1, nh + nd do
  local b = 4 + (i - 1) * BLOCK
  local bucket = tonumber(ARGV[6 + i])
  if i <= nh then
    base['h' .. ARGV[6 + i]] = b
    expire_at[b] = (bucket + 1) * 3600 + tonumber(ARGV[3])
  else
    base['d' .. ARGV[6 + i]] = b
    expire_at[b] = (bucket + 1) * 86400 + tonumber(ARGV[4])
  end
end
local f = 7 + nh + nd
local incr, touched = {}, {}
local function bump(k, field, n)
  if n == 0 then return end
  local t = incr[k]
  if not t then
    t = {}
    incr[k] = t
    touched[#touched + 1] = k
  end
  t[field] = (t[field] or 0) + n
end
local function num(v)
  if type(v) == 'number' then return math.floor(v + 0.5) end
  return 0
end
local function str(v)
  if type(v) == 'string' then return v end
  return ''
end
-- One event's counters added to the hashes of its hour and its day (an MCP tool call's, or an
-- undecodable one's, to none); false when it is not JSON.
local function roll(json)
  local ok, e = pcall(cjson.decode, json)
  if not ok or type(e) ~= 'table' then return ok end
  if type(e.ts) ~= 'number' or e.kind == 'mcp' then return true end
  local err = 0
  if num(e.status) >= 400 or e.aborted == true then err = 1 end
  local est = 0
  if e.estimated == true then est = 1 end
  local cost = 0
  if type(e.cost_usd) == 'number' then cost = math.floor(e.cost_usd * 1e9 + 0.5) end
  local v = { 1, err, num(e.prompt_tokens), num(e.completion_tokens), num(e.cached_tokens), cost, est, num(e.latency_ms), num(e.cache_write_tokens) }
  local groups = { str(e.key_id), str(e.model), str(e.provider) }
  for _, b in pairs({ base['h' .. math.floor(e.ts / 3600000)] or false, base['d' .. math.floor(e.ts / 86400000)] or false }) do
    if b then
      for m = 1, NM do bump(b, METRICS[m], v[m]) end
      for d = 1, 3 do
        for m = 1, NM do bump(b + (d - 1) * NM + m, groups[d], v[m]) end
      end
    end
  end
  return true
end
-- One entry of n events (field c: compact, b: objects); then the oldest entries go while at least the bound is left without them.
local function append(field, batch, n)
  local id = redis.call('XADD', KEYS[1], '*', field, batch)
  local before = 0
  local tail = redis.call('LINDEX', KEYS[3], -1)
  if tail then
    local b, c = string.match(tail, '^(%d+) (%d+) ')
    before = tonumber(b) + tonumber(c)
  end
  redis.call('RPUSH', KEYS[3], string.format('%d %d %s', before, n, id))
  local total, bound, dropped = before + n, tonumber(ARGV[1]), false
  local head = redis.call('LINDEX', KEYS[3], 0)
  while head do
    local b, c = string.match(head, '^(%d+) (%d+) ')
    if total - tonumber(b) - tonumber(c) < bound then break end
    redis.call('LPOP', KEYS[3])
    dropped = true
    head = redis.call('LINDEX', KEYS[3], 0)
  end
  if dropped then redis.call('XTRIM', KEYS[1], 'MINID', string.match(head, ' (%S+)$')) end
end
local last = tonumber(redis.call('GET', KEYS[2]) or '-1')
local applied, skipped, top = 0, 0, last
if ARGV[f] == 'a' then
  if tonumber(ARGV[f + 1]) <= last then return { -1, 0 } end
  top = tonumber(ARGV[f + 2])
  applied = tonumber(ARGV[f + 3])
  append('c', ARGV[f + 4], applied)
  -- All or nothing: the pod summed the rollups of the batch itself, per hour (usage-rollup-args.ts).
  local i = f + 5
  while i <= #ARGV do
    local hb, db = 4 + tonumber(ARGV[i]) * BLOCK, 4 + (nh + tonumber(ARGV[i + 1])) * BLOCK
    i = i + 2
    for m = 1, NM do
      local n = tonumber(ARGV[i + m - 1])
      bump(hb, METRICS[m], n)
      bump(db, METRICS[m], n)
    end
    i = i + NM
    for d = 0, 2 do
      local names = tonumber(ARGV[i])
      i = i + 1
      for _ = 1, names do
        local name = ARGV[i]
        for m = 1, NM do
          local n = tonumber(ARGV[i + m])
          bump(hb + d * NM + m, name, n)
          bump(db + d * NM + m, name, n)
        end
        i = i + 1 + NM
      end
    end
  end
else
  local kept = {}
  for i = f + 1, #ARGV, 2 do
    local seq = tonumber(ARGV[i])
    if seq <= last then
      skipped = skipped + 1
    else
      -- A text that is not JSON goes in as a JSON string, so the batch stays a JSON array.
      if roll(ARGV[i + 1]) then kept[#kept + 1] = ARGV[i + 1] else kept[#kept + 1] = cjson.encode(ARGV[i + 1]) end
      applied = applied + 1
      if seq > top then top = seq end
    end
  end
  if applied > 0 then append('b', '[' .. table.concat(kept, ',') .. ']', applied) end
end
-- A hash's expiry is a fixed time per bucket, set when the hash is made: only a call that adds a
-- field (HINCRBY answers the increment itself: counters only grow) can have made it.
for _, k in ipairs(touched) do
  local fresh = false
  for field, n in pairs(incr[k]) do
    local by = string.format('%.0f', n)
    if redis.call('HINCRBY', KEYS[k], field, by) == tonumber(by) then fresh = true end
  end
  if fresh then redis.call('EXPIREAT', KEYS[k], expire_at[4 + math.floor((k - 4) / BLOCK) * BLOCK]) end
end
if applied > 0 then redis.call('SET', KEYS[2], top, 'PX', ARGV[2]) end
return { applied, skipped }
`;
