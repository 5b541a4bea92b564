/** Image blobs by content hash: how long a copy lives when the same bytes are stored again. */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteMatching } from '../../../test/support/redis-keys';
import { BlobStore, storeKeys } from '@mpp/store';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const keys = storeKeys(`test-blob-${randomUUID().slice(0, 8)}`);
const blobs = new BlobStore(redis, keys, 100);
const ttlOf = (ref: string) => redis.ttl(keys.blob(ref.slice('sha256:'.length)));
const bytes = () => Buffer.from(randomUUID());

afterAll(async () => {
  await deleteMatching(redis, keys.blob('*'));
  redis.disconnect();
});

describe('blob store lifetimes', () => {
  it('keeps the default TTL unless the caller asks for longer', async () => {
    const short = await blobs.put(bytes());
    expect(await ttlOf(short)).toBeLessThanOrEqual(100);
    const long = await blobs.put(bytes(), 5_000);
    expect(await ttlOf(long)).toBeGreaterThan(4_000);
  });

  it('never shortens a longer life when the same bytes are stored again', async () => {
    const data = bytes();
    const ref = await blobs.put(data, 5_000);
    expect(await blobs.put(Buffer.from(data))).toBe(ref);
    expect(await ttlOf(ref)).toBeGreaterThan(4_000);
    await blobs.touch(ref, 50);
    expect(await ttlOf(ref)).toBeGreaterThan(4_000);
  });

  it('extends a shorter life when the same bytes are stored for longer', async () => {
    const data = bytes();
    const ref = await blobs.put(data);
    await blobs.put(data, 9_000);
    expect(await ttlOf(ref)).toBeGreaterThan(8_000);
  });

  it('stores the bytes again when the first copy is gone', async () => {
    const data = bytes();
    const ref = await blobs.put(data);
    await redis.del(keys.blob(ref.slice('sha256:'.length)));
    await blobs.put(data);
    expect(await blobs.get(ref)).toEqual(data);
  });
});
