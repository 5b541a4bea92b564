/** Lua scripts that change a review task atomically (two reviewers, many API processes). */

/**
 * createTask
 * KEYS[1] task hash  KEYS[2] pending zset  KEYS[3] expiry zset
 * ARGV[1] task id  ARGV[2] fields JSON {name: value}  ARGV[3] priority score  ARGV[4] expires (ms)
 * Returns: 1 created; 0 already existed (a task is created once per job).
 */
export const CREATE_TASK = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
for name, value in pairs(cjson.decode(ARGV[2])) do redis.call('HSET', KEYS[1], name, value) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1])
return 1
`;

/**
 * claimTask: takes a free or expired lease, or renews the caller's own. A lease is the caller's
 * only by its id: the reviewer name is free text, so a name alone never renews, or reveals, a
 * lease somebody holds.
 * KEYS[1] task hash
 * ARGV[1] owner  ARGV[2] new lease id  ARGV[3] now (ms)  ARGV[4] lease length (ms)
 * ARGV[5] the caller's current lease id, or ''
 * Returns: {1, lease id, owner, until} claimed (or renewed with its id); {0} missing;
 *          {-1} no longer pending; {-2, owner, until} someone else holds a live lease.
 */
export const CLAIM_TASK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return {-1} end
local now = tonumber(ARGV[3])
local lease = redis.call('HMGET', KEYS[1], 'lease_id', 'lease_owner', 'lease_until')
local live = lease[3] and tonumber(lease[3]) > now
local id = ARGV[2]
if live then
  if ARGV[5] == '' or ARGV[5] ~= lease[1] then return {-2, lease[2], lease[3]} end
  id = lease[1]
end
local untilMs = tostring(now + tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'lease_id', id, 'lease_owner', ARGV[1], 'lease_until', untilMs)
return {1, id, ARGV[1], untilMs}
`;

/**
 * releaseTask: gives a lease back before it expires, so another reviewer may take the task.
 * KEYS[1] task hash
 * ARGV[1] lease id  ARGV[2] now (ms)
 * Returns: {1} released (or nothing held: releasing twice is harmless); {0} missing;
 *          {-1} no longer pending; {-2, owner, until} someone else holds the live lease.
 */
export const RELEASE_TASK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return {-1} end
local lease = redis.call('HMGET', KEYS[1], 'lease_id', 'lease_owner', 'lease_until')
local live = lease[3] and tonumber(lease[3]) > tonumber(ARGV[2])
if live and lease[1] ~= ARGV[1] then return {-2, lease[2], lease[3]} end
redis.call('HDEL', KEYS[1], 'lease_id', 'lease_owner', 'lease_until')
return {1}
`;

/**
 * decideTask: records a decision (or closes a task whose job ended) and its feedback rows.
 * KEYS[1] task hash  KEYS[2] pending zset  KEYS[3] expiry zset  KEYS[4] decided zset  KEYS[5] feedback list
 * ARGV[1] reviewer  ARGV[2] lease id or ''  ARGV[3] now (ms)  ARGV[4] new status
 * ARGV[5] fields JSON {name: value}  ARGV[6] feedback rows JSON [string]  ARGV[7] ttl seconds
 * ARGV[8] '1' to ignore leases (expiry, closing)  ARGV[9] task id
 * Returns: {1} decided; {0} missing; {-1, status} already decided or closed;
 *          {-2, owner, until} a live lease whose id the caller did not send (a name is not enough).
 */
export const DECIDE_TASK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return {-1, status} end
local now = tonumber(ARGV[3])
local lease = redis.call('HMGET', KEYS[1], 'lease_id', 'lease_owner', 'lease_until')
local live = lease[3] and tonumber(lease[3]) > now
if ARGV[8] ~= '1' and live and (ARGV[2] == '' or ARGV[2] ~= lease[1]) then return {-2, lease[2], lease[3]} end
redis.call('HSET', KEYS[1], 'status', ARGV[4])
for name, value in pairs(cjson.decode(ARGV[5])) do redis.call('HSET', KEYS[1], name, value) end
redis.call('HDEL', KEYS[1], 'lease_id', 'lease_owner', 'lease_until')
redis.call('ZREM', KEYS[2], ARGV[9])
redis.call('ZREM', KEYS[3], ARGV[9])
redis.call('ZADD', KEYS[4], now, ARGV[9])
for _, row in ipairs(cjson.decode(ARGV[6])) do redis.call('RPUSH', KEYS[5], row) end
redis.call('EXPIRE', KEYS[1], ARGV[7])
return {1}
`;
