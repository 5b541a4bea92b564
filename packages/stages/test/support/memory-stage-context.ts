/**
 * A StageContext over an in-memory blob map, for the ingestion and regeneration tests: the real
 * store keeps blobs in Redis under their sha256, this keeps them in a Map under the same key.
 */
import { createHash } from 'node:crypto';
import { PipelineOptions } from '@mpp/schemas';
import type { BlobAccess, StageContext, StageLogger } from '../../src/context';

export class MemoryBlobs implements BlobAccess {
  readonly entries = new Map<string, Buffer>();

  async put(data: Buffer): Promise<string> {
    const ref = createHash('sha256').update(data).digest('hex');
    this.entries.set(ref, data);
    return ref;
  }

  async get(ref: string): Promise<Buffer> {
    const data = this.entries.get(ref);
    if (!data) throw new Error(`no blob ${ref}`);
    return data;
  }
}

const silentLogger: StageLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface MemoryContextOptions {
  blobs?: MemoryBlobs;
  /** What `loadImage()` answers: the normalised image later stages work on. */
  image?: Buffer;
  signal?: AbortSignal;
}

export function memoryStageContext(opts: MemoryContextOptions = {}): StageContext & { blobs: MemoryBlobs } {
  const blobs = opts.blobs ?? new MemoryBlobs();
  return {
    job: { id: 'job-test', created_at: new Date(0).toISOString(), metadata: {} },
    options: PipelineOptions.parse({}),
    settings: {
      reviewThreshold: 0.7,
      alignment: { base_alignment_threshold: 0.5, position_weight: 0.5, semantic_weight: 0.5 },
      maxImageDimension: 4096,
      minImageDimension: 50,
      maxImageBytes: 50 * 1024 * 1024,
    },
    providers: { text: [], vision: [] },
    blobs,
    logger: silentLogger,
    signal: opts.signal ?? new AbortController().signal,
    async loadImage() {
      if (!opts.image) throw new Error('no image in this test context');
      return opts.image;
    },
    async putExport() {
      throw new Error('exports are not part of these tests');
    },
  };
}
