/**
 * Lua scripts behind the fleet-wide circuit breaker. One hash per provider holds the state, so
 * every worker sees the same breaker: a call is admitted or refused by one atomic script, and
 * its outcome is recorded by another.
 *
 * Hash fields: state (closed | open | half_open), failures (consecutive, while closed),
 * successes (probe successes, while half-open), probes (probes in flight), probe_lease_until (ms),
 * opened_at (ms), last_failure_at (ms).
 *
 * Every time is Redis's own clock (`TIME`), read inside the script: workers' clocks may be skewed
 * against each other, and a breaker opened by one must reopen at the same moment for all of them.
 * (Redis 7 replicates scripts by their effects, so reading `TIME` in a script that writes is allowed.)
 */

/** Lua prelude: `now`, Redis's clock in milliseconds. */
const NOW_MS = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * acquireCall
 * KEYS[1] breaker hash
 * ARGV[1] open timeout (ms)  ARGV[2] half-open max concurrent probes
 * ARGV[3] probe lease (ms): a probe not recorded by then (its worker died) frees its slot
 * Returns {allowed 1|0, state, retry_after_ms, probe 1|0}
 */
export const ACQUIRE_CALL = `
${NOW_MS}local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
if state == 'open' then
  local reopen_at = tonumber(redis.call('HGET', KEYS[1], 'opened_at') or '0') + tonumber(ARGV[1])
  if now < reopen_at then return {0, 'open', reopen_at - now, 0} end
  redis.call('HSET', KEYS[1], 'state', 'half_open', 'probes', 0, 'successes', 0, 'probe_lease_until', 0)
  state = 'half_open'
end
if state == 'half_open' then
  local probes = tonumber(redis.call('HGET', KEYS[1], 'probes') or '0')
  local lease = tonumber(redis.call('HGET', KEYS[1], 'probe_lease_until') or '0')
  if probes >= tonumber(ARGV[2]) and now >= lease then probes = 0 end
  if probes >= tonumber(ARGV[2]) then return {0, 'half_open', lease - now, 0} end
  redis.call('HSET', KEYS[1], 'probes', probes + 1, 'probe_lease_until', now + tonumber(ARGV[3]))
  return {1, 'half_open', 0, 1}
end
return {1, 'closed', 0, 0}
`;

/**
 * recordOutcome
 * KEYS[1] breaker hash  KEYS[2] unauthorized flag (deleted by any success)
 * ARGV[1] 'success' | 'failure'  ARGV[2] probe 1|0
 * ARGV[3] failure threshold  ARGV[4] success threshold
 * Returns {state after, changed 1|0}
 * Only probes decide a half-open breaker; a call admitted while closed that ends late does not.
 */
export const RECORD_OUTCOME = `
${NOW_MS}local state = redis.call('HGET', KEYS[1], 'state') or 'closed'
local probe = ARGV[2] == '1'
if probe then
  local probes = tonumber(redis.call('HGET', KEYS[1], 'probes') or '0')
  if probes > 0 then redis.call('HSET', KEYS[1], 'probes', probes - 1) end
end
if ARGV[1] == 'success' then redis.call('DEL', KEYS[2]) end
if state == 'closed' then
  if ARGV[1] == 'success' then
    if redis.call('HEXISTS', KEYS[1], 'failures') == 1 then redis.call('HSET', KEYS[1], 'failures', 0) end
    return {'closed', 0}
  end
  local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
  redis.call('HSET', KEYS[1], 'last_failure_at', now)
  if failures >= tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at', now)
    return {'open', 1}
  end
  return {'closed', 0}
end
if state == 'half_open' and probe then
  if ARGV[1] == 'success' then
    local successes = redis.call('HINCRBY', KEYS[1], 'successes', 1)
    if successes >= tonumber(ARGV[4]) then
      redis.call('DEL', KEYS[1])
      return {'closed', 1}
    end
    return {'half_open', 0}
  end
  redis.call('HSET', KEYS[1], 'state', 'open', 'opened_at', now, 'successes', 0, 'last_failure_at', now)
  redis.call('HINCRBY', KEYS[1], 'failures', 1)
  return {'open', 1}
end
return {state, 0}
`;
