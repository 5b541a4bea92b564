/**
 * @mpp/store: job records, stage outputs, export files and image blobs in Redis, all under the
 * configured prefix, with the TTLs the configuration sets.
 */
export * from './keys';
export * from './blob-store';
export * from './job-store';
export * from './job-events';
export * from './deadlines';
export * from './batch-store';
