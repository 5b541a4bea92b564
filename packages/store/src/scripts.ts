/**
 * Lua scripts that change a job record atomically, so concurrent stages (B and C run in parallel,
 * on different workers) and a concurrent cancel can never overwrite each other's outcome.
 */

/**
 * mutateJob
 * KEYS[1] job hash   KEYS[2] outputs hash   KEYS[3] processed-totals hash
 * KEYS[4] the patched stage's carried-usage hash (read with `read.carried`; any key otherwise)
 * ARGV[1] patch JSON: { status?, fields?: {name: value}, stage?: "B",
 *                       stage_state?: {...}                 the stage's whole new state, or
 *                       stage_set?: {...}, stage_unset?: [..] fields merged into its current state
 *                       stage_base?: {...}                   (the state to merge into if it has none)
 *                       stage_only_if?: [..]                 refuse unless the stage's status is one of these
 *                       count?: "success"|"failure", allow_terminal?: bool,
 *                       only_if_status?: [..], outputs?: {stage: JSON} (several outputs at once),
 *                       read?: { outputs?: [stages], carried?: bool },
 *                       finish?: { stages: [..], done: [..], confidence: string },
 *                       queue_stages?: [..] }
 *         `queue_stages`: alone in its patch; each of these stages still `pending` becomes
 *         `queued` with an event of its own (several stages put on their queues at once, in one
 *         round trip); refused when none was pending
 *         `finish`: after the stage's change, a queued or running job whose every stage in
 *         `finish.stages` has a status in `finish.done` is completed with that confidence (the
 *         same change `complete` makes), so the last stage ends the job in its own round trip
 * ARGV[2] ttl seconds  ARGV[3] events channel  ARGV[4] now (ISO)
 * ARGV[5] the patched stage's output (JSON), '' for none: an argument of its own, not a string
 *         inside the patch, so it is neither escaped again in the patch's JSON nor decoded by cjson
 * Returns: 1 applied; 0 job missing; -1 refused because the job is terminal (or a status guard
 * failed). With `read`, an applied change returns {1, job hash (flat), outputs (in `read.outputs`
 * order, false when absent), carried-usage hash (flat)}: what the caller would otherwise fetch in
 * further round trips.
 */
export const MUTATE_JOB = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local patch = cjson.decode(ARGV[1])
local current = redis.call('HGET', KEYS[1], 'status')
local terminal = current == 'completed' or current == 'failed' or current == 'cancelled'
if terminal and not patch.allow_terminal then return -1 end
if patch.only_if_status then
  local ok = false
  for _, s in ipairs(patch.only_if_status) do if s == current then ok = true end end
  if not ok then return -1 end
end
if patch.queue_stages then
  local changed = 0
  for _, s in ipairs(patch.queue_stages) do
    local raw = redis.call('HGET', KEYS[1], 'stage:' .. s)
    local state = raw and cjson.decode(raw)
    if state and state.status == 'pending' then
      state.status = 'queued'
      redis.call('HSET', KEYS[1], 'stage:' .. s, cjson.encode(state))
      redis.call('PUBLISH', ARGV[3], cjson.encode({ type = 'update', status = current, stage = s, stage_status = 'queued' }))
      changed = changed + 1
    end
  end
  if changed == 0 then return -1 end
  redis.call('HSET', KEYS[1], 'updated_at', ARGV[4])
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  return 1
end
local stage_state = patch.stage_state
if patch.stage and not stage_state and (patch.stage_set or patch.stage_unset) then
  local raw = redis.call('HGET', KEYS[1], 'stage:' .. patch.stage)
  stage_state = raw and cjson.decode(raw) or patch.stage_base
  if patch.stage_only_if then
    local ok = false
    for _, s in ipairs(patch.stage_only_if) do if s == stage_state.status then ok = true end end
    if not ok then return -1 end
  end
  for _, name in ipairs(patch.stage_unset or {}) do stage_state[name] = nil end
  for name, value in pairs(patch.stage_set or {}) do stage_state[name] = value end
end
local event = { type = 'update', status = current }
if patch.status then
  redis.call('HSET', KEYS[1], 'status', patch.status)
  event.status = patch.status
  if patch.status == 'completed' or patch.status == 'failed' or patch.status == 'cancelled' then
    redis.call('HSET', KEYS[1], 'finished_at', ARGV[4])
  end
end
if patch.fields then
  for name, value in pairs(patch.fields) do redis.call('HSET', KEYS[1], name, value) end
end
if patch.stage then
  redis.call('HSET', KEYS[1], 'stage:' .. patch.stage, cjson.encode(stage_state))
  event.stage = patch.stage
  event.stage_status = stage_state.status
  if ARGV[5] ~= '' then redis.call('HSET', KEYS[2], patch.stage, ARGV[5]) end
end
if patch.outputs then
  for stage, value in pairs(patch.outputs) do redis.call('HSET', KEYS[2], stage, value) end
end
if patch.finish and (current == 'queued' or current == 'running') then
  local done = {}
  for _, d in ipairs(patch.finish.done) do done[d] = true end
  local all = true
  for _, s in ipairs(patch.finish.stages) do
    local raw = redis.call('HGET', KEYS[1], 'stage:' .. s)
    if not raw or not done[cjson.decode(raw).status] then all = false break end
  end
  if all then
    redis.call('HSET', KEYS[1], 'status', 'completed', 'finished_at', ARGV[4], 'confidence', patch.finish.confidence)
    redis.call('HINCRBY', KEYS[3], 'success', 1)
    event.status = 'completed'
  end
end
if patch.count then redis.call('HINCRBY', KEYS[3], patch.count, 1) end
redis.call('HSET', KEYS[1], 'updated_at', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[2])
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[2]) end
redis.call('PUBLISH', ARGV[3], cjson.encode(event))
if not patch.read then return 1 end
local outputs = {}
if patch.read.outputs and #patch.read.outputs > 0 then outputs = redis.call('HMGET', KEYS[2], unpack(patch.read.outputs)) end
local carried = {}
if patch.read.carried then carried = redis.call('HGETALL', KEYS[4]) end
return { 1, redis.call('HGETALL', KEYS[1]), outputs, carried }
`;
