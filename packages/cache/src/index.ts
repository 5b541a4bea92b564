/** @mpp/cache: two-tier, single-flight cache of stage results, namespaced per stage. */
export * from './cache-key';
export * from './stage-cache';
export * from './stage-run';
export * from './ioredis-store';
