/**
 * `Idempotency-Key` on `POST /v1/jobs`: the first request with a key reserves it in Redis (SET NX,
 * kept 24 h) together with the job id it is about to create and a fingerprint of its body (image
 * SHA-256, options after defaults, metadata, webhook URL). A later request with the same key and
 * the same fingerprint gets that job back; with another fingerprint, 422. Two identical requests
 * at the same moment: one wins the SET NX and creates the job, the other waits for it.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { HttpProblem } from './problem';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
const KEY_SHAPE = /^[\x21-\x7e]{1,255}$/;

export interface Reservation {
  jobId: string;
  fingerprint: string;
  /** When the key was reserved (ms): a job missing long after that was deleted, not still being made. */
  at?: number;
}

/** The header's value, or undefined when absent; 400 when it is not 1-255 visible ASCII characters. */
export function readIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const key = raw.trim();
  if (!KEY_SHAPE.test(key)) {
    throw new HttpProblem(400, 'validation-error', 'Request validation failed', 'Idempotency-Key must be 1-255 visible ASCII characters', [{ field: 'header.Idempotency-Key', message: 'invalid' }]);
  }
  return key;
}

/** JSON with object keys sorted at every level, so equal bodies hash equally whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function submissionFingerprint(parts: { image: Buffer; options: unknown; metadata: unknown; webhook_url?: string }): string {
  const image = createHash('sha256').update(parts.image).digest('hex');
  return createHash('sha256').update(canonical({ image, options: parts.options, metadata: parts.metadata, webhook_url: parts.webhook_url ?? null })).digest('hex');
}

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class IdempotencyKeys {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = IDEMPOTENCY_TTL_SECONDS,
  ) {}

  private key(idempotencyKey: string): string {
    return `${this.prefix}:idempotency:${createHash('sha256').update(idempotencyKey).digest('hex')}`;
  }

  async get(idempotencyKey: string): Promise<Reservation | undefined> {
    const raw = await this.redis.get(this.key(idempotencyKey));
    return raw ? (JSON.parse(raw) as Reservation) : undefined;
  }

  /** Reserves the key for `mine`; when someone holds it already, returns their reservation instead. */
  async reserve(idempotencyKey: string, mine: Reservation): Promise<{ won: true } | { won: false; held: Reservation }> {
    const key = this.key(idempotencyKey);
    for (let tries = 0; tries < 5; tries++) {
      if ((await this.redis.set(key, JSON.stringify(mine), 'EX', this.ttlSeconds, 'NX')) === 'OK') return { won: true };
      const held = await this.get(idempotencyKey);
      if (held) return { won: false, held };
      // Released between our SET and GET (its owner failed): try again.
    }
    throw new HttpProblem(409, 'idempotency-key-in-progress', 'Request in progress', 'another request with this Idempotency-Key is being processed; retry shortly', undefined, { 'Retry-After': '1' });
  }

  /** Frees a key whose request failed before creating its job, so the client can retry with it. */
  async release(idempotencyKey: string, mine: Reservation): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(idempotencyKey), JSON.stringify(mine));
  }

  /** 422 when the key was used for another body. */
  static assertSameBody(held: Reservation, fingerprint: string): void {
    if (held.fingerprint !== fingerprint) {
      throw new HttpProblem(422, 'idempotency-key-reused', 'Idempotency key reused', 'this Idempotency-Key was already used with a different request body (image, options, metadata or webhook_url); use a new key for a new request', [{ field: 'header.Idempotency-Key', message: 'reused with a different body' }]);
    }
  }
}
