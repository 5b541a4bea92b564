/**
 * Submitting jobs and watching them end, from the job events every status change publishes on
 * `<prefix>:events:<id>`: the tracker counts each job's `completed` events, so a job completed
 * twice is seen, not only a job never completed.
 */
import { crc32, deflateSync } from 'node:zlib';
import { Redis } from 'ioredis';

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid 64x64 greyscale PNG whose last row encodes `seed`, so every seed has its own hash. */
export function smallPng(seed: number, size = 64): Buffer {
  const row = size + 1;
  const raw = Buffer.alloc(row * size, 0xff);
  for (let y = 0; y < size; y++) raw[y * row] = 0;
  for (let x = 4; x < size - 4; x++) raw[8 * row + 1 + x] = 0x20;
  for (let i = 0; i < 6; i++) raw[(size - 1) * row + 1 + i] = Math.floor(seed / 256 ** i) % 256;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 0;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** Submits as a client should: a 503 (Redis unreachable, queue full) is retried after its Retry-After. */
export async function submit(apiUrl: string, png: Buffer): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${apiUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_base64: png.toString('base64') }) });
    const body = (await res.json()) as { id?: string };
    if (res.status === 202 && body.id) return body.id;
    if (res.status === 503 && attempt < 20) {
      await new Promise((resolve) => setTimeout(resolve, Number(res.headers.get('retry-after') ?? '1') * 1000));
      continue;
    }
    if (attempt >= 2) throw new Error(`submit answered ${res.status}: ${JSON.stringify(body)}`);
  }
}

export class EndingTracker {
  /** Trackers not closed yet: a test that fails half-way still gets its connection closed by `closeAll`. */
  private static readonly open = new Set<EndingTracker>();
  readonly completedEvents = new Map<string, number>();
  readonly failed = new Map<string, string>();
  private constructor(private readonly sub: Redis) {}

  static async start(redisUrl: string, prefix: string): Promise<EndingTracker> {
    const sub = new Redis(redisUrl, { maxRetriesPerRequest: null });
    sub.on('error', () => undefined);
    const tracker = new EndingTracker(sub);
    EndingTracker.open.add(tracker);
    const head = `${prefix}:events:`;
    sub.on('pmessage', (_p: string, channel: string, message: string) => {
      const event = JSON.parse(message) as { status: string };
      const id = channel.slice(head.length);
      if (event.status === 'completed') tracker.completedEvents.set(id, (tracker.completedEvents.get(id) ?? 0) + 1);
      if (event.status === 'failed') tracker.failed.set(id, message);
    });
    await sub.psubscribe(`${head}*`);
    return tracker;
  }

  completedCount(ids: readonly string[]): number {
    return ids.filter((id) => this.completedEvents.has(id)).length;
  }

  async close(): Promise<void> {
    EndingTracker.open.delete(this);
    // quit() waits for Redis to answer; a Redis already stopped would keep it reconnecting forever.
    await Promise.race([this.sub.quit(), new Promise((resolve) => setTimeout(resolve, 2_000).unref())]).catch(() => undefined);
    this.sub.disconnect();
  }

  /** For `afterAll`, before the processes and Redis servers are stopped. */
  static async closeAll(): Promise<void> {
    await Promise.all([...EndingTracker.open].map((t) => t.close()));
  }
}

/** Reads each job's view from the API; returns the ids whose status is not `completed`. */
export async function notCompleted(apiUrl: string, ids: readonly string[]): Promise<Array<{ id: string; status: string }>> {
  const out: Array<{ id: string; status: string }> = [];
  for (let i = 0; i < ids.length; i += 50) {
    const views = await Promise.all(ids.slice(i, i + 50).map(async (id) => (await (await fetch(`${apiUrl}/v1/jobs/${id}`)).json()) as { id: string; status: string }));
    for (const v of views) if (v.status !== 'completed') out.push({ id: v.id, status: v.status });
  }
  return out;
}
