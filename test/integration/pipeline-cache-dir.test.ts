/**
 * PIPELINE_CACHE_DIR reaches the formula recogniser: the providers a worker builds from its
 * configuration write the recogniser's templates there once, and a process that starts later
 * reads them back instead of spending seconds of CPU rebuilding them. The Dockerfile, the Compose
 * volume and the Kubernetes ConfigMap and mounts all point this variable at a writable volume.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createProviders, type ProviderSet } from '@mpp/providers';
import { readFixture } from '../support/fixtures';
import { REDIS_URL, deletePrefix, silentLogger, testConfig } from '../support/stack';

jest.setTimeout(120_000);

const TEMPLATE_FILE = /^recognizer-templates-[0-9a-f]{16}\.bin$/;

describe('PIPELINE_CACHE_DIR', () => {
  let dir: string;
  let redis: Redis;
  let providers: ProviderSet;
  const config = () => testConfig({ PIPELINE_CACHE_DIR: dir });
  let prefix: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'mpp-cache-dir-'));
    const cfg = config();
    prefix = cfg.redis.prefix;
    redis = new Redis(REDIS_URL);
    providers = createProviders(cfg, { redis, logger: silentLogger() });
  });
  afterAll(async () => {
    await providers?.close();
    redis?.disconnect();
    await deletePrefix(prefix);
    await rm(dir, { recursive: true, force: true });
  });

  it('holds the recogniser templates once the local text provider has read a formula', async () => {
    const local = providers.providers.text.at(-1)!;
    expect(local.name).toBe('local');
    const result = await local.parse(readFixture('textbook', '11', 'img_problem.png'), { signal: AbortSignal.timeout(110_000) });
    expect(result.formulas.length).toBeGreaterThan(0);
    const files = (await readdir(dir)).filter((f) => TEMPLATE_FILE.test(f));
    expect(files).toHaveLength(1);
    expect((await stat(path.join(dir, files[0]!))).size).toBeGreaterThan(1000);
  });

  it('is read back, not rebuilt, by a recogniser that starts afresh on the same directory', async () => {
    const [file] = (await readdir(dir)).filter((f) => TEMPLATE_FILE.test(f));
    const before = await stat(path.join(dir, file!));
    // A fresh module registry: no templates in memory, as in a new worker process.
    let fresh!: typeof import('@mpp/recognizer');
    jest.isolateModules(() => {
      fresh = require('@mpp/recognizer') as typeof import('@mpp/recognizer');
    });
    const recognizer = await fresh.MathRecognizer.create({ cacheDir: dir });
    expect((await recognizer.recognize(readFixture('im2latex', '329a44c373.png'))).latex).not.toBe('');
    // A rebuild would have published a new file (write to a temporary name, then rename).
    const after = await stat(path.join(dir, file!));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    expect((await readdir(dir)).filter((f) => TEMPLATE_FILE.test(f))).toEqual([file]);
  });
});
