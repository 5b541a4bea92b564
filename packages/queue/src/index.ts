/** @mpp/queue: the only package that imports bullmq. Flow shape, producers, stage workers. */
export * from './names';
export * from './flow';
export * from './plan';
export * from './errors';
export * from './connection';
export * from './pipeline-queues';
export * from './stage-worker-host';
export * from './telemetry';
export * from './stage-gate';
export * from './queue-board';
export * from './webhook-queue';
