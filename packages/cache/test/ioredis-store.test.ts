/**
 * IoredisStore, the keyv store of the stage cache's shared tier, against the real Redis through
 * keyv itself: values in keyv's format, keyv's TTL as Redis's expiry, one round trip per read on
 * the caller's connection, commands answered in the order they were sent, and `clear` that stays
 * under its prefix.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import Keyv from 'keyv';
import { IoredisStore } from '@mpp/cache';
import { startRoundTripProxy, type RoundTripProxy } from './support/round-trip-proxy';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `test-cache-store-${randomUUID().slice(0, 8)}`;
const admin = new Redis(REDIS_URL);
let proxy: RoundTripProxy;
let redis: Redis;
let store: IoredisStore;
let keyv: Keyv<{ n: number }>;
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

beforeAll(async () => {
  proxy = await startRoundTripProxy(REDIS_URL);
  redis = new Redis(proxy.url);
  store = new IoredisStore(redis, { keyPrefix: `${prefix}:` });
  keyv = new Keyv<{ n: number }>({ store, useKeyPrefix: false });
  keyv.namespace = undefined;
});

afterAll(async () => {
  redis.disconnect();
  await proxy.close();
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  admin.disconnect();
});

const key = () => `${prefix}:${randomUUID()}`;

describe('IoredisStore under keyv', () => {
  it('round-trips a value in keyv’s serialised form, under the key as given', async () => {
    const k = key();
    await keyv.set(k, { n: 1 });
    expect(await keyv.get(k)).toEqual({ n: 1 });
    expect(JSON.parse((await admin.get(k))!)).toEqual({ value: { n: 1 } });
  });

  it('keeps keyv’s TTL as the key’s own expiry, and nothing when there is none', async () => {
    const [brief, kept] = [key(), key()];
    await keyv.set(brief, { n: 2 }, 300);
    await keyv.set(kept, { n: 3 });
    expect(await admin.pttl(brief)).toBeGreaterThan(0);
    expect(await admin.pttl(brief)).toBeLessThanOrEqual(300);
    expect(await admin.pttl(kept)).toBe(-1);
    expect((await keyv.get(brief, { raw: true }))?.expires).toBeGreaterThan(Date.now());
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await keyv.get(brief)).toBeUndefined();
    expect(await admin.exists(brief)).toBe(0);
  });

  it('a read costs one round trip on the caller’s connection', async () => {
    const k = key();
    await keyv.set(k, { n: 4 });
    await settle();
    proxy.reset();
    expect(await keyv.get(k)).toEqual({ n: 4 });
    expect(proxy.count()).toBe(1);
  });

  it('answers in the order commands were sent: a read sent after an unawaited write sees it', async () => {
    // keyv's own set serialises first (a tick later); the stage cache sends its write already serialised.
    for (let i = 0; i < 20; i++) {
      const k = key();
      void store.set(k, (await keyv.serializeData({ value: { n: i } })) as string);
      expect(await keyv.get(k)).toEqual({ n: i });
    }
  });

  it('deletes, tells what it has, reads many, and clears only under its prefix', async () => {
    const [a, b] = [key(), key()];
    const outside = `${prefix}-outside:${randomUUID()}`;
    await admin.set(outside, 'kept');
    await keyv.set(a, { n: 5 });
    await keyv.set(b, { n: 6 });
    expect(await keyv.has(a)).toBe(true);
    expect(await keyv.get([a, b, key()])).toEqual([{ n: 5 }, { n: 6 }, undefined]);
    expect(await keyv.delete(a)).toBe(true);
    expect(await keyv.get(a)).toBeUndefined();
    await keyv.clear();
    expect(await admin.exists(b)).toBe(0);
    expect(await admin.get(outside)).toBe('kept');
  });

  it('leaves the connection open when keyv disconnects', async () => {
    await keyv.disconnect();
    expect(await redis.ping()).toBe('PONG');
  });
});
