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
 * claimTask
 * KEYS[1] task hash
 * ARGV[1] owner  ARGV[2] new lease id  ARGV[3] now (ms)  ARGV[4] lease length (ms)
 * Returns: {1, lease id, owner, until} claimed (or renewed by its owner); {0} missing;
 *          {-1} no longer pending; {-2, lease id, owner, until} someone else holds a live lease.
 */
export const CLAIM_TASK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return {-1} end
local now = tonumber(ARGV[3])
local lease = redis.call('HMGET', KEYS[1], 'lease_id', 'lease_owner', 'lease_until')
local live = lease[3] and tonumber(lease[3]) > now
if live and lease[2] ~= ARGV[1] then return {-2, lease[1], lease[2], lease[3]} end
local id = ARGV[2]
if live then id = lease[1] end
local untilMs = tostring(now + tonumber(ARGV[4]))
redis.call('HSET', KEYS[1], 'lease_id', id, 'lease_owner', ARGV[1], 'lease_until', untilMs)
return {1, id, ARGV[1], untilMs}
`;

/**
 * decideTask: records a decision (or closes a task whose job ended) and its feedback rows.
 * KEYS[1] task hash  KEYS[2] pending zset  KEYS[3] expiry zset  KEYS[4] decided zset  KEYS[5] feedback list
 * ARGV[1] reviewer  ARGV[2] lease id or ''  ARGV[3] now (ms)  ARGV[4] new status
 * ARGV[5] fields JSON {name: value}  ARGV[6] feedback rows JSON [string]  ARGV[7] ttl seconds
 * ARGV[8] '1' to ignore leases (expiry, closing)  ARGV[9] task id
 * Returns: {1} decided; {0} missing; {-1, status} already decided or closed;
 *          {-2, owner, until} someone else holds a live lease.
 */
export const DECIDE_TASK = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local status = redis.call('HGET', KEYS[1], 'status')
if status ~= 'pending' then return {-1, status} end
local now = tonumber(ARGV[3])
local lease = redis.call('HMGET', KEYS[1], 'lease_id', 'lease_owner', 'lease_until')
local live = lease[3] and tonumber(lease[3]) > now
if ARGV[8] ~= '1' and live then
  local mine = (ARGV[2] ~= '' and ARGV[2] == lease[1]) or (ARGV[2] == '' and lease[2] == ARGV[1])
  if not mine then return {-2, lease[2], lease[3]} end
end
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
