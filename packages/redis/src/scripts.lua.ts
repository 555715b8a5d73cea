/**
 * The Lua scripts behind `RedisMessageStore`. Each one runs atomically inside Redis, so seq
 * allocation, idempotency, storage, retention and the epoch never interleave with another
 * node's writes.
 *
 * Calling convention, shared by every script:
 * - KEYS: five keys per stream, all carrying the stream's hash tag (see `keys.ts`):
 *   meta (hash: `seq`, `epoch`, `iw`), entries (sorted set: score = seq, member = entry),
 *   ids (hash: clientMessageId → seq), ttl (sorted set: score = expiresAt, member = seq),
 *   cursors (hash: userId → seq).
 * - ARGV[1..4]: now (ms since epoch, from the store's clock: never Redis `TIME`), maxCount,
 *   maxAgeMs, idempotency window in ms (`0` = none), then the script's own arguments.
 *
 * An entry is one sorted-set member: twelve fields separated by NUL (which validation keeps
 * out of every text field, and JSON never contains raw), the payload last:
 * `seq, createdAt, expiresAt, kind (m|e|d), target, version, editedAt, deletedAt, senderId,
 * clientMessageId, event, payload`. An empty field is `null`. An imported entry whose id is not
 * the derived `<epoch>:<seq>` carries it as a thirteenth field after the payload (JSON never
 * holds a raw NUL, so the payload still ends at the next one). Keeping the payload in the
 * member makes a page one `ZRANGEBYSCORE` (O(log n + page)) with no second lookup.
 */
import { UNREAD_SCAN_LIMIT } from '@roomlog/core';

/** Most bytes of entries one unread count reads (their payloads are in the members). */
const UNREAD_SCAN_BYTES = 4 * 1024 * 1024;

const PRELUDE = `
local SEP = '\\0'
local NOW = tonumber(ARGV[1])
local MAX_COUNT = tonumber(ARGV[2])
local MAX_AGE = tonumber(ARGV[3])
local WINDOW = tonumber(ARGV[4])
local CUTOFF = false
if MAX_AGE > 0 then CUTOFF = NOW - MAX_AGE end

local function stream(offset)
  return { meta = KEYS[offset + 1], entries = KEYS[offset + 2], ids = KEYS[offset + 3],
           ttl = KEYS[offset + 4], cursors = KEYS[offset + 5] }
end

-- The first n fields of an entry; the payload (field 12) is whatever follows the 11th NUL.
local function fields(member, n)
  local out, pos = {}, 1
  for k = 1, n do
    local stop = string.find(member, SEP, pos, true)
    if not stop then
      out[k] = string.sub(member, pos)
      return out
    end
    out[k] = string.sub(member, pos, stop - 1)
    pos = stop + 1
  end
  return out
end

-- Same rule as core's isLive: expired once now >= expiresAt or createdAt <= now - maxAgeMs.
local function isLiveAt(createdAt, expiresAt)
  if expiresAt ~= '' and tonumber(expiresAt) <= NOW then return false end
  if CUTOFF and tonumber(createdAt) <= CUTOFF then return false end
  return true
end

local function isLive(f)
  return isLiveAt(f[2], f[3])
end

local function headSeq(s)
  return tonumber(redis.call('HGET', s.meta, 'seq') or '0')
end

-- Same rule as core's countFloor.
local function countFloor(head)
  if MAX_COUNT > 0 and head - MAX_COUNT + 1 > 1 then return head - MAX_COUNT + 1 end
  return 1
end

-- Up to limit live entries with low <= seq <= high, nearest first in the reading direction,
-- and whether another live one lies beyond them. Skips dead entries without a size bound
-- only until the next write trims them.
local function collect(s, low, high, forward, limit)
  local got = {}
  while low <= high do
    local want = limit + 1 - #got
    local batch
    if forward then
      batch = redis.call('ZRANGEBYSCORE', s.entries, low, high, 'LIMIT', 0, want)
    else
      batch = redis.call('ZREVRANGEBYSCORE', s.entries, high, low, 'LIMIT', 0, want)
    end
    for _, member in ipairs(batch) do
      local f = fields(member, 3)
      if isLive(f) then
        if #got == limit then return got, true end
        got[#got + 1] = member
      end
      if forward then low = tonumber(f[1]) + 1 else high = tonumber(f[1]) - 1 end
    end
    if #batch < want then break end
  end
  return got, false
end

-- Drops what points at a removed entry: its idempotency key (unless reused since) and TTL index.
local function forget(s, member)
  local f = fields(member, 10)
  if f[10] ~= '' and redis.call('HGET', s.ids, f[10]) == f[1] then redis.call('HDEL', s.ids, f[10]) end
  if f[3] ~= '' then redis.call('ZREM', s.ttl, f[1]) end
end

local function trimCount(s)
  local below = '(' .. countFloor(headSeq(s))
  if below == '(1' then return end
  local old = redis.call('ZRANGEBYSCORE', s.entries, '-inf', below)
  if #old == 0 then return end
  for _, member in ipairs(old) do forget(s, member) end
  redis.call('ZREMRANGEBYSCORE', s.entries, '-inf', below)
end

-- Removes entries expired by maxAgeMs from the front (stopping at the first live one, so a
-- node with a skewed clock only delays removal; reads filter anyway), TTL-expired ones
-- anywhere, and idempotency keys older than the window.
local function trimTime(s)
  if CUTOFF then
    local chunk, done = 1, false
    repeat
      local batch = redis.call('ZRANGE', s.entries, 0, chunk - 1)
      local expired = 0
      for _, member in ipairs(batch) do
        if tonumber(fields(member, 2)[2]) > CUTOFF then done = true break end
        forget(s, member)
        expired = expired + 1
      end
      if expired > 0 then redis.call('ZREMRANGEBYRANK', s.entries, 0, expired - 1) end
      if #batch < chunk then done = true end
      chunk = math.min(chunk * 2, 128)
    until done
  end
  local due = redis.call('ZRANGEBYSCORE', s.ttl, '-inf', ARGV[1])
  for _, seq in ipairs(due) do
    local member = redis.call('ZRANGEBYSCORE', s.entries, seq, seq)[1]
    if member then
      forget(s, member)
      redis.call('ZREMRANGEBYSCORE', s.entries, seq, seq)
    end
  end
  if #due > 0 then redis.call('ZREMRANGEBYSCORE', s.ttl, '-inf', ARGV[1]) end
  if WINDOW > 0 then
    local edge, mark = NOW - WINDOW, tonumber(redis.call('HGET', s.meta, 'iw') or '0')
    local start = mark
    while true do
      local batch = redis.call('ZRANGEBYSCORE', s.entries, '(' .. mark, '+inf', 'LIMIT', 0, 64)
      local stop = false
      for _, member in ipairs(batch) do
        local f = fields(member, 10)
        if tonumber(f[2]) > edge then stop = true break end
        if f[10] ~= '' and redis.call('HGET', s.ids, f[10]) == f[1] then redis.call('HDEL', s.ids, f[10]) end
        mark = tonumber(f[1])
      end
      if stop or #batch < 64 then break end
    end
    if mark ~= start then redis.call('HSET', s.meta, 'iw', mark) end
  end
end
`;

/**
 * Appends to one or more streams. Per stream, ARGV carries a new epoch, the namespace and the
 * room (used only if the stream has no counter yet), the message count, then five fields per message: event,
 * senderId, clientMessageId, expiresAt, payload (`''` for none).
 * Returns per stream `{ epoch, result1, result2, ... }`, each result two items: `'0', seq` for a
 * new message (the caller has its fields already, so they do not travel back) or `'1', entry`
 * for a duplicate of a retained one.
 */
export const APPEND_SCRIPT = `${PRELUDE}
-- Redis caps a command's arguments at what Lua's unpack can pass; write in slices of this many.
local SLICE = 1000
local function callSliced(command, key, args)
  for i = 1, #args, SLICE do
    redis.call(command, key, unpack(args, i, math.min(i + SLICE - 1, #args)))
  end
end

local results, offset, a = {}, 0, 5
while a <= #ARGV do
  local s = stream(offset)
  offset = offset + 5
  local known = redis.call('HMGET', s.meta, 'epoch', 'ns')
  local epoch = known[1]
  if epoch and not known[2] then
    -- A stream first written by a version that did not store its names: name it now.
    redis.call('HSET', s.meta, 'ns', ARGV[a + 1], 'room', ARGV[a + 2])
  end
  if not epoch then
    -- A new counter starts above any entry left behind, so a lost counter never reuses a seq.
    epoch = ARGV[a]
    local top = redis.call('ZREVRANGEBYSCORE', s.entries, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
    -- The names, so listStreams can say which room a key holds (the keys carry only a digest).
    redis.call('HSET', s.meta, 'epoch', epoch, 'seq', top[2] or '0', 'ns', ARGV[a + 1], 'room', ARGV[a + 2])
  end
  trimTime(s)
  local count = tonumber(ARGV[a + 3])
  local first = a + 4
  a = first + 5 * count
  local head = headSeq(s)
  local floor = countFloor(head)

  -- Every clientMessageId of the batch in one lookup.
  local cmids, known = {}, {}
  for m = first, a - 1, 5 do
    if ARGV[m + 2] ~= '' then cmids[#cmids + 1] = ARGV[m + 2] end
  end
  for i = 1, #cmids, SLICE do
    local last = math.min(i + SLICE - 1, #cmids)
    local seqs = redis.call('HMGET', s.ids, unpack(cmids, i, last))
    for k = i, last do known[cmids[k]] = seqs[k - i + 1] end
  end

  local out, entries, ids, ttl = { epoch }, {}, {}, {}
  for m = first, a - 1, 5 do
    local sender, cmid, expires = ARGV[m + 1], ARGV[m + 2], ARGV[m + 3]
    local original = false
    local seq = cmid ~= '' and known[cmid]
    if seq then
      original = redis.call('ZRANGEBYSCORE', s.entries, seq, seq)[1] or false
      if original then
        local f = fields(original, 3)
        if not isLive(f) or tonumber(seq) < floor or (WINDOW > 0 and tonumber(f[2]) <= NOW - WINDOW) then
          original = false
        end
      end
    end
    if original then
      out[#out + 1] = '1'
      out[#out + 1] = original
    else
      head = head + 1
      entries[#entries + 1] = head
      entries[#entries + 1] = table.concat({ head, ARGV[1], expires, 'm', '', '1', '', '', sender, cmid, ARGV[m], ARGV[m + 4] }, SEP)
      if cmid ~= '' then
        ids[#ids + 1] = cmid
        ids[#ids + 1] = head
      end
      if expires ~= '' then
        ttl[#ttl + 1] = expires
        ttl[#ttl + 1] = head
      end
      out[#out + 1] = '0'
      out[#out + 1] = head
    end
  end
  if #entries > 0 then
    redis.call('HSET', s.meta, 'seq', head)
    callSliced('ZADD', s.entries, entries)
    if #ids > 0 then callSliced('HSET', s.ids, ids) end
    if #ttl > 0 then callSliced('ZADD', s.ttl, ttl) end
  end
  trimCount(s)
  results[#results + 1] = out
end
return results
`;

/**
 * Reads a page. ARGV[5] after (`''` = none), ARGV[6] before (`''` = none), ARGV[7] limit
 * (`0` = head only). Returns `{}` for a stream never written, else
 * `{ headSeq, epoch, firstSeq, hasMore (0|1), entries... }` in ascending seq. Writes nothing.
 */
export const READ_SCRIPT = `${PRELUDE}
local s = stream(0)
local meta = redis.call('HMGET', s.meta, 'seq', 'epoch')
if not meta[1] or not meta[2] then return {} end
local head = tonumber(meta[1])
local floor = countFloor(head)
local firstSeq = floor
if CUTOFF then
  local oldest = collect(s, floor, head, true, 1)[1]
  firstSeq = head + 1
  if oldest then firstSeq = tonumber(fields(oldest, 1)[1]) end
end
local limit = tonumber(ARGV[7])
local page, more = {}, false
if limit > 0 then
  local high = head
  if ARGV[6] ~= '' then high = math.min(high, tonumber(ARGV[6]) - 1) end
  if ARGV[5] ~= '' then
    page, more = collect(s, math.max(floor, tonumber(ARGV[5]) + 1), high, true, limit)
  else
    page, more = collect(s, floor, high, false, limit)
  end
end
local out = { tostring(head), meta[2], tostring(firstSeq), more and '1' or '0' }
if ARGV[5] ~= '' then
  for i = 1, #page do out[#out + 1] = page[i] end
else
  for i = #page, 1, -1 do out[#out + 1] = page[i] end
end
return out
`;

/**
 * Edits or deletes message ARGV[5] in place and appends the log entry. ARGV[6] kind (`e`|`d`),
 * ARGV[7] new payload (edit), ARGV[8] who (`''` = none). Returns `{ epoch, updatedTarget }`,
 * or nil when the target is missing, expired, deleted or a log entry.
 */
export const CHANGE_SCRIPT = `${PRELUDE}
local s = stream(0)
local epoch = redis.call('HGET', s.meta, 'epoch')
if not epoch then return false end
trimTime(s)
local target = ARGV[5]
local member = redis.call('ZRANGEBYSCORE', s.entries, target, target)[1]
if not member then return false end
local f = fields(member, 13)
if f[4] ~= 'm' or f[8] ~= '' or not isLive(f) or tonumber(target) < countFloor(headSeq(s)) then return false end
local payload = ''
if ARGV[6] == 'e' then
  payload = ARGV[7]
  f[7] = ARGV[1]
else
  f[8] = ARGV[1]
end
f[6] = tostring(tonumber(f[6]) + 1)
f[12] = payload
local updated = table.concat(f, SEP)
redis.call('ZREMRANGEBYSCORE', s.entries, target, target)
redis.call('ZADD', s.entries, target, updated)
local seq = redis.call('HINCRBY', s.meta, 'seq', 1)
redis.call('ZADD', s.entries, seq, table.concat({ seq, ARGV[1], '', ARGV[6], target, '1', '', '', ARGV[8], '', f[11], payload }, SEP))
trimCount(s)
return { epoch, updated }
`;

/** Moves user ARGV[5]'s cursor forward to ARGV[6], clamped to the head seq. Returns the cursor. */
export const SET_CURSOR_SCRIPT = `${PRELUDE}
local s = stream(0)
local current = tonumber(redis.call('HGET', s.cursors, ARGV[5]) or '0')
local wanted = math.min(tonumber(ARGV[6]), headSeq(s))
if wanted <= current then return current end
redis.call('HSET', s.cursors, ARGV[5], wanted)
return wanted
`;

/**
 * Counts live, undeleted `message` entries after user ARGV[5]'s cursor not sent by that user,
 * among the first entries after it (see the bounds below).
 */
export const UNREAD_SCRIPT = `${PRELUDE}
-- seq, createdAt, expiresAt, kind, deletedAt and senderId (fields 1-4, 8, 9; %z is NUL in Lua 5.1).
local UNREAD_FIELDS = '^(%d+)%z(%d*)%z([^%z]*)%z(%a)%z[^%z]*%z[^%z]*%z[^%z]*%z([^%z]*)%z([^%z]*)'
local s = stream(0)
local head = headSeq(s)
local low = math.max(tonumber(redis.call('HGET', s.cursors, ARGV[5]) or '0') + 1, countFloor(head))
local count = 0
-- Bounded work, whatever the stream's size: at most ${UNREAD_SCAN_LIMIT} entries after the
-- cursor (core's UNREAD_SCAN_LIMIT), and no more than ${UNREAD_SCAN_BYTES} bytes of them,
-- so no call holds Redis for more than a few milliseconds.
local scanned, bytes = 0, 0
while low <= head and scanned < ${UNREAD_SCAN_LIMIT} and bytes < ${UNREAD_SCAN_BYTES} do
  local batch = redis.call('ZRANGEBYSCORE', s.entries, low, head, 'LIMIT', 0, math.min(100, ${UNREAD_SCAN_LIMIT} - scanned))
  for _, member in ipairs(batch) do
    -- One pattern match per entry, no table: a third of the work of splitting its fields.
    local seq, createdAt, expiresAt, kind, deletedAt, sender = string.match(member, UNREAD_FIELDS)
    if kind == 'm' and deletedAt == '' and sender ~= ARGV[5] and isLiveAt(createdAt, expiresAt) then count = count + 1 end
    low = tonumber(seq) + 1
    scanned = scanned + 1
    bytes = bytes + #member
  end
  if #batch == 0 then break end
end
return count
`;

/**
 * Erases sender ARGV[5]'s entries in one stream, ARGV[7] entries at a time starting at seq
 * ARGV[6], so a huge stream never blocks Redis for long. The first chunk trims expired entries
 * first. Returns `{ erasedCount, nextSeq }` with nextSeq `0` when the stream is done.
 */
export const ERASE_SCRIPT = `${PRELUDE}
local s = stream(0)
if ARGV[6] == '1' then
  trimTime(s)
  trimCount(s)
end
local chunk = tonumber(ARGV[7])
local batch = redis.call('ZRANGEBYSCORE', s.entries, ARGV[6], '+inf', 'LIMIT', 0, chunk)
local erased = 0
for _, member in ipairs(batch) do
  local f = fields(member, 9)
  if f[9] == ARGV[5] and f[8] == '' then
    f = fields(member, 13)
    f[6] = tostring(tonumber(f[6]) + 1)
    f[8] = ARGV[1]
    f[12] = ''
    redis.call('ZREMRANGEBYSCORE', s.entries, f[1], f[1])
    redis.call('ZADD', s.entries, f[1], table.concat(f, SEP))
    erased = erased + 1
  end
end
if #batch < chunk then return { erased, 0 } end
return { erased, tonumber(fields(batch[#batch], 1)[1]) + 1 }
`;

/**
 * Writes imported entries (`importEntries`). ARGV[5] the imported log's epoch, ARGV[6]
 * namespace, ARGV[7] room, ARGV[8] entry count, then 13 fields per entry in member order plus
 * the id (`''` when it is the derived one). Entries at or below the head are skipped. Returns
 * `{ written, skipped }`, or `{ -1, epoch }` when the stream holds another epoch.
 */
export const IMPORT_SCRIPT = `${PRELUDE}
local s = stream(0)
local count = tonumber(ARGV[8])
local known = redis.call('HMGET', s.meta, 'epoch', 'ns')
local epoch = known[1]
local head = 0
if epoch then
  if epoch ~= ARGV[5] then return { -1, epoch } end
  if not known[2] then redis.call('HSET', s.meta, 'ns', ARGV[6], 'room', ARGV[7]) end
  head = headSeq(s)
else
  if count == 0 then return { 0, 0 } end
  -- Entries a lost counter left behind keep their seqs: import above them.
  local top = redis.call('ZREVRANGEBYSCORE', s.entries, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  head = tonumber(top[2] or '0')
  redis.call('HSET', s.meta, 'epoch', ARGV[5], 'seq', head, 'ns', ARGV[6], 'room', ARGV[7])
end
local entries, ids, ttl = {}, {}, {}
local written, skipped, last = 0, 0, head
for i = 0, count - 1 do
  local b = 9 + i * 13
  local seq = tonumber(ARGV[b])
  if seq <= head then
    skipped = skipped + 1
  else
    local member = table.concat({ ARGV[b], ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4], ARGV[b + 5],
      ARGV[b + 6], ARGV[b + 7], ARGV[b + 8], ARGV[b + 9], ARGV[b + 10], ARGV[b + 11] }, SEP)
    if ARGV[b + 12] ~= '' then member = member .. SEP .. ARGV[b + 12] end
    entries[#entries + 1] = seq
    entries[#entries + 1] = member
    if ARGV[b + 3] == 'm' and ARGV[b + 9] ~= '' then
      ids[#ids + 1] = ARGV[b + 9]
      ids[#ids + 1] = seq
    end
    if ARGV[b + 2] ~= '' then
      ttl[#ttl + 1] = ARGV[b + 2]
      ttl[#ttl + 1] = seq
    end
    written = written + 1
    last = seq
  end
end
if written > 0 then
  redis.call('HSET', s.meta, 'seq', last)
  redis.call('ZADD', s.entries, unpack(entries))
  if #ids > 0 then redis.call('HSET', s.ids, unpack(ids)) end
  if #ttl > 0 then redis.call('ZADD', s.ttl, unpack(ttl)) end
end
trimTime(s)
trimCount(s)
return { written, skipped }
`;

/**
 * Names a stream written before names were stored (`nameStreams`): ARGV[1] namespace, ARGV[2]
 * room, the key being that name's. Only an existing stream without names is touched; returns 1
 * when it was named.
 */
export const NAME_SCRIPT = `
if redis.call('HEXISTS', KEYS[1], 'epoch') == 0 or redis.call('HEXISTS', KEYS[1], 'ns') == 1 then return 0 end
redis.call('HSET', KEYS[1], 'ns', ARGV[1], 'room', ARGV[2])
return 1
`;

/** Removes a whole stream: its five keys (`dropStream`). Returns 1 when it existed. */
export const DROP_SCRIPT = `
local existed = redis.call('EXISTS', KEYS[1])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return existed
`;
