/**
 * One HTTP exchange with the API over `fetch` (Node 20+ and browsers): base URL, API key, a
 * per-attempt timeout, and retries of 429 / 503 / network failures with exponential backoff and
 * jitter that honour `Retry-After`. Non-2xx answers become typed `ApiError`s.
 */
import type { Problem } from '@mpp/schemas';
import { errorForProblem, NetworkError } from './errors';

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  /** e.g. `http://localhost:8080` (no trailing `/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey?: string;
  /** Retries of 429, 503 and network errors (default 3; 0 disables). */
  maxRetries?: number;
  /** Longest single wait between retries, whatever `Retry-After` says (default 60 s). */
  maxRetryDelayMs?: number;
  /** Per attempt (default 120 s); long-polls add their `wait` to it. */
  timeoutMs?: number;
  /** Extra headers on every request (e.g. a tracing header). */
  headers?: Record<string, string>;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
}

export interface RequestSpec {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  /** Extra time this request may legitimately take (long-poll). */
  extraTimeoutMs?: number;
  /** Whether a failed attempt may be sent again (GET/DELETE always; POST only with an idempotency key). */
  retryable?: boolean;
  signal?: AbortSignal;
  /** Non-2xx statuses returned as responses instead of thrown (e.g. 503 from /ready). */
  acceptStatuses?: number[];
}

const RETRY_STATUSES = new Set([429, 503]);

export class Transport {
  readonly baseUrl: string;
  private readonly fetchImpl: FetchLike;

  constructor(private readonly options: ClientOptions) {
    if (!options.baseUrl) throw new TypeError('baseUrl is required');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const f = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
    if (!f) throw new TypeError('no fetch available: pass options.fetch');
    this.fetchImpl = f.bind(globalThis) as FetchLike;
  }

  url(path: string, query?: RequestSpec['query']): string {
    const qs = query
      ? Object.entries(query)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
          .join('&')
      : '';
    return `${this.baseUrl}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Sends the request (retrying as allowed) and returns the successful `Response`. */
  async send(spec: RequestSpec): Promise<Response> {
    const maxRetries = this.options.maxRetries ?? 3;
    const retryable = spec.retryable ?? (spec.method === 'GET' || spec.method === 'DELETE');
    for (let attempt = 0; ; attempt++) {
      const canRetry = retryable && attempt < maxRetries;
      let res: Response;
      try {
        res = await this.attempt(spec);
      } catch (err) {
        if (spec.signal?.aborted) throw err;
        if (!canRetry) throw err instanceof NetworkError ? err : new NetworkError(`${spec.method} ${this.url(spec.path)} failed: ${networkReason(err)}`, err);
        await sleep(this.backoff(attempt), spec.signal);
        continue;
      }
      if (res.ok || spec.acceptStatuses?.includes(res.status)) return res;
      const retryAfter = parseRetryAfter(res.headers.get('retry-after'));
      if (canRetry && RETRY_STATUSES.has(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        await sleep(Math.min(retryAfter !== undefined ? retryAfter * 1000 : this.backoff(attempt), this.options.maxRetryDelayMs ?? 60_000), spec.signal);
        continue;
      }
      throw errorForProblem(await readProblem(res), retryAfter);
    }
  }

  async json<T>(spec: RequestSpec): Promise<T> {
    const res = await this.send(spec);
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  private async attempt(spec: RequestSpec): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json;q=0.9, */*;q=0.5', ...this.options.headers, ...spec.headers };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let body = spec.body;
    if (spec.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(spec.json);
    }
    const timeout = (this.options.timeoutMs ?? 120_000) + (spec.extraTimeoutMs ?? 0);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new NetworkError(`no answer from ${spec.path} within ${timeout} ms`)), timeout);
    const onAbort = () => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.fetchImpl(this.url(spec.path, spec.query), { method: spec.method, headers, ...(body !== undefined ? { body } : {}), signal: controller.signal, redirect: 'follow' });
    } catch (err) {
      const reason = controller.signal.reason;
      if (reason instanceof NetworkError) throw reason;
      throw err;
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Full jitter over an exponential ceiling: 0.5 s, 1 s, 2 s ... capped at 30 s. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(30_000, 500 * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/** fetch says only "fetch failed"; the socket error under it (`ECONNREFUSED`, `ENOTFOUND`...) is what a person needs. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  // Not `instanceof Error`: an error made in another realm (a test VM, an iframe) fails that check.
  const own = (err as { message?: unknown } | null)?.message;
  const message = typeof own === 'string' ? own : String(err);
  return detail ? `${message} (${detail})` : message;
}

/** `Retry-After` as seconds: either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const n = Number(value);
  if (Number.isFinite(n)) return Math.max(0, n);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

async function readProblem(res: Response): Promise<Problem> {
  const text = await res.text().catch(() => '');
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body = JSON.parse(text) as Partial<Problem>;
      if (body && typeof body === 'object' && typeof body.title === 'string') return { ...body, type: body.type ?? 'about:blank', title: body.title, status: typeof body.status === 'number' ? body.status : res.status } as Problem;
    } catch {
      // fall through: a broken body still yields a problem naming the status
    }
  }
  return { type: 'about:blank', title: res.statusText || `HTTP ${res.status}`, status: res.status, ...(text ? { detail: text.slice(0, 500) } : {}) };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
