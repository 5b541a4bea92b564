/**
 * The worker's `/ready`: the deployment guide's checks (`mathpix_api`, `cache`, `workers`) with
 * the same meanings as on the API, plus `redis` and the `stages` this process serves. Ready means
 * Redis answers and the stage workers take jobs (a drained worker is not ready); an open breaker
 * or missing keys are reported but do not take the worker out, since stages fall back to the
 * local providers.
 */
import type { Redis } from 'ioredis';
import type { PipelineConfig } from '@mpp/config';
import { configuredProviders } from '@mpp/providers';
import { redisReachable } from '@mpp/queue';
import { serviceReadiness, type BreakerStore } from '@mpp/resilience';

export interface WorkerReadinessDeps {
  config: PipelineConfig;
  redis: Redis;
  /** The fleet-wide breakers (the same Redis keys the providers write). */
  breakers: BreakerStore;
  /** Whether the BullMQ workers are taking jobs. */
  running: () => boolean;
}

export function workerReadiness(deps: WorkerReadinessDeps): () => Promise<{ ok: boolean; checks: Record<string, string> }> {
  const mathpixConfigured = configuredProviders(deps.config).includes('mathpix');
  return async () => {
    const redisOk = await redisReachable(deps.redis);
    const running = deps.running();
    const checks = {
      // The breaker lives in Redis; without Redis only the credentials can be told.
      mathpix_api: redisOk ? await serviceReadiness(deps.breakers, 'mathpix', mathpixConfigured) : mathpixConfigured ? 'connected' : 'not_configured',
      // The stage cache's shared tier is this Redis (its memory tier needs nothing).
      cache: redisOk ? 'initialized' : 'unavailable',
      workers: running ? 'running' : 'stopped',
      redis: redisOk ? 'connected' : 'unreachable',
      stages: deps.config.worker.stages.join(','),
    };
    return { ok: redisOk && running, checks };
  };
}
