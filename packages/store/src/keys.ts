/** Every Redis key the store owns, under the configured prefix (`REDIS_PREFIX`). */
export interface StoreKeys {
  job(id: string): string;
  outputs(id: string): string;
  exportFile(id: string, format: string): string;
  blob(sha256: string): string;
  events(id: string): string;
  processedTotals(): string;
  deadlines(): string;
}

export function storeKeys(prefix: string): StoreKeys {
  return {
    job: (id) => `${prefix}:job:${id}`,
    outputs: (id) => `${prefix}:job:${id}:out`,
    exportFile: (id, format) => `${prefix}:job:${id}:export:${format}`,
    blob: (sha256) => `${prefix}:blob:${sha256}`,
    events: (id) => `${prefix}:events:${id}`,
    processedTotals: () => `${prefix}:stats:processed`,
    deadlines: () => `${prefix}:deadlines`,
  };
}
