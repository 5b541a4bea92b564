/** Lua scripts that keep the shared tier's size index consistent with its entries. */

/**
 * recordEntry: a winner's entry, written, indexed and its single-flight lock released in one
 * step. It writes the entry (the value as keyv serialised it, under the key keyv reads), releases
 * the lock, then indexes the entry and evicts the oldest entries while the shared tier is above
 * its byte budget (`PIPELINE_CACHE_MAX_SIZE_MB`). Waiters woken by the release find the entry: both
 * land at once. An entry made under a generation its namespace has since left (cleared while the
 * winner computed) is unreachable: it is not written (and an old copy is removed).
 * KEYS[1] index zset (member = entry key, score = written-at ms)
 * KEYS[2] sizes hash (entry key -> bytes)   KEYS[3] stats hash (bytes:<ns>, entries:<ns>, bytes)
 * KEYS[4] generations hash (ns -> generation)   KEYS[5] lock key
 * ARGV[1] entry key  ARGV[2] bytes  ARGV[3] now ms  ARGV[4] max total bytes  ARGV[5] namespace
 * ARGV[6] generation the entry key was made under  ARGV[7] lock owner token
 * ARGV[8] the serialised entry  ARGV[9] its time to live in ms ('0': no expiry)
 * Returns: number of entries evicted, or -1 when the entry was stale and not written.
 */
export const RECORD_ENTRY = `
local stale = (redis.call('HGET', KEYS[4], ARGV[5]) or '0') ~= ARGV[6]
if not stale then
  if ARGV[9] ~= '0' then redis.call('SET', ARGV[1], ARGV[8], 'PX', ARGV[9]) else redis.call('SET', ARGV[1], ARGV[8]) end
end
if redis.call('GET', KEYS[5]) == ARGV[7] then redis.call('DEL', KEYS[5]) end
if stale then
  redis.call('UNLINK', ARGV[1])
  return -1
end
local function forget(key)
  local size = tonumber(redis.call('HGET', KEYS[2], key) or '0')
  local ns = string.match(key, ':(stage_%a):g%d+:') or 'unknown'
  redis.call('ZREM', KEYS[1], key)
  redis.call('HDEL', KEYS[2], key)
  redis.call('HINCRBY', KEYS[3], 'bytes', -size)
  redis.call('HINCRBY', KEYS[3], 'bytes:' .. ns, -size)
  redis.call('HINCRBY', KEYS[3], 'entries:' .. ns, -1)
end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then forget(ARGV[1]) end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'bytes', ARGV[2])
redis.call('HINCRBY', KEYS[3], 'bytes:' .. ARGV[5], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'entries:' .. ARGV[5], 1)
local evicted = 0
while tonumber(redis.call('HGET', KEYS[3], 'bytes') or '0') > tonumber(ARGV[4]) do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if not oldest or oldest == ARGV[1] then break end
  redis.call('UNLINK', oldest)
  forget(oldest)
  evicted = evicted + 1
end
return evicted
`;

/**
 * forgetEntries: drops index records of entries that are gone (expired or cleared).
 * KEYS[1] index zset  KEYS[2] sizes hash  KEYS[3] stats hash
 * ARGV[1..n] entry keys; each is forgotten only if its value key no longer exists (or ARGV is
 * prefixed by "!" to forget unconditionally after deleting it).
 * Returns: number of records dropped.
 */
export const FORGET_ENTRIES = `
local dropped = 0
for _, arg in ipairs(ARGV) do
  local force = string.sub(arg, 1, 1) == '!'
  local key = force and string.sub(arg, 2) or arg
  if force then redis.call('UNLINK', key) end
  if (force or redis.call('EXISTS', key) == 0) and redis.call('HEXISTS', KEYS[2], key) == 1 then
    local size = tonumber(redis.call('HGET', KEYS[2], key) or '0')
    local ns = string.match(key, ':(stage_%a):g%d+:') or 'unknown'
    redis.call('ZREM', KEYS[1], key)
    redis.call('HDEL', KEYS[2], key)
    redis.call('HINCRBY', KEYS[3], 'bytes', -size)
    redis.call('HINCRBY', KEYS[3], 'bytes:' .. ns, -size)
    redis.call('HINCRBY', KEYS[3], 'entries:' .. ns, -1)
    dropped = dropped + 1
  end
end
return dropped
`;

/**
 * releaseLock: deletes a single-flight lock only if this worker still owns it (a winner whose
 * work failed, or whose entry could not be written).
 * KEYS[1] lock key  ARGV[1] owner token.  Returns 1 released, 0 not the owner.
 */
export const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * lookUp: where a lookup stands, in the round trip that reads the entry (the caller's GET of the
 * entry under the generation it last saw goes out beside it, on the same connection). It reads
 * the namespace's generation; when the entry exists under it, or the caller's memory tier holds
 * it under the generation guessed and that is still the one, it counts a hit and takes no lock.
 * Otherwise it counts a miss (on a caller's first look only) and takes the single-flight lock when
 * free, or over from an earlier attempt of the same work: a stage attempt that BullMQ hands to
 * another worker (its first worker died or stalled past its lock) would otherwise wait for the
 * dead attempt's lock to expire, up to the stage's timeout. Duplicates from other jobs still
 * wait for the holder. Counters use pcall: a broken stats hash costs the counts, never the lookup.
 * KEYS[1] generations hash (ns -> generation)   KEYS[2] stats hash   KEYS[3] lock key
 * ARGV[1] namespace  ARGV[2] generation guessed  ARGV[3] '1' when the memory tier holds the
 * entry under the generation guessed  ARGV[4] entry key up to its generation (`<base>:<ns>:g`)
 * ARGV[5] ':<digest>'  ARGV[6] token (`<owner>|<uuid>`)  ARGV[7] lock ttl ms
 * ARGV[8] owner prefix (`<owner>|`, or '' for none)  ARGV[9] '1' to count a miss
 * Returns {generation, state}: state 2 cached (no lock taken), 1 lock taken, 0 held by someone else.
 */
export const LOOK_UP = `
local gen = redis.call('HGET', KEYS[1], ARGV[1]) or '0'
if (ARGV[3] == '1' and gen == ARGV[2]) or redis.call('EXISTS', ARGV[4] .. gen .. ARGV[5]) == 1 then
  redis.pcall('HINCRBY', KEYS[2], 'hits:' .. ARGV[1], 1)
  return { gen, 2 }
end
if ARGV[9] == '1' then redis.pcall('HINCRBY', KEYS[2], 'misses:' .. ARGV[1], 1) end
local held = redis.call('GET', KEYS[3])
if held and (ARGV[8] == '' or string.sub(held, 1, #ARGV[8]) ~= ARGV[8]) then return { gen, 0 } end
redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7])
return { gen, 1 }
`;
