/**
 * Loopback HTTP servers standing in for the paid APIs in tests. Each fake speaks its API's real
 * wire format (paths, headers, bodies, error shapes) and takes scripted faults: the next calls
 * can answer 5xx, hang past the caller's timeout, 429 with Retry-After, malformed JSON, or the
 * API's own error bodies. Every request is recorded so tests can count calls.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'hang' }
  /** Answers like `ok`, after `ms`. */
  | { kind: 'slow'; ms: number }
  /** Answered when the test calls `release()` (requests in flight, without a clock): like `ok`, or as the fault given to `release`. */
  | { kind: 'held' }
  | { kind: 'malformed' }
  /** API-specific error body (Mathpix's HTTP-200 errors); `id` picks it. */
  | { kind: 'api_error'; id: string };

export interface RecordedCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  /** `performance.now()` when the request arrived (ordering and gaps between calls). */
  at: number;
}

export interface FakeResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (call: RecordedCall, fault: Fault) => FakeResponse | 'hang' | 'malformed';

export class FakeApi {
  readonly calls: RecordedCall[] = [];
  /** Faults for the next calls, in order; then `defaultFault`. */
  readonly faults: Fault[] = [];
  defaultFault: Fault = { kind: 'ok' };
  /** Requests held by the `held` fault, answered by `release()`. */
  private readonly heldAnswers: Array<(fault: Fault) => void> = [];
  private server?: http.Server;
  url = '';

  constructor(private readonly handler: FakeHandler) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown = raw;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          // keep the raw text
        }
        const call: RecordedCall = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, at: performance.now() };
        this.calls.push(call);
        const scripted = this.faults.shift() ?? this.defaultFault;
        const delay = scripted.kind === 'slow' ? scripted.ms : 0;
        if (scripted.kind === 'held') {
          this.heldAnswers.push((fault) => this.respond(res, this.handler(call, fault)));
          return;
        }
        const fault: Fault = scripted.kind === 'slow' ? { kind: 'ok' } : scripted;
        const out = this.handler(call, fault);
        if (delay > 0 && out !== 'hang') {
          setTimeout(() => this.respond(res, out), delay);
          return;
        }
        this.respond(res, out);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private respond(res: http.ServerResponse, out: FakeResponse | 'hang' | 'malformed'): void {
    if (out === 'hang') return; // never answers; closed when the server stops
    if (out === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"text": "unterminated');
      return;
    }
    res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers }).end(JSON.stringify(out.body));
  }

  /** How many requests the `held` fault is holding. */
  get held(): number {
    return this.heldAnswers.length;
  }

  /** Answers the first `count` held requests (all by default), as `fault` says (default `ok`). */
  release(fault: Fault = { kind: 'ok' }, count = Infinity): void {
    for (const answer of this.heldAnswers.splice(0, count)) answer(fault);
  }

  /** Scripts the next `n` calls with `fault`. */
  next(fault: Fault, n = 1): this {
    for (let i = 0; i < n; i++) this.faults.push(fault);
    return this;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }
}

/** Common fault handling: explicit statuses, hangs and malformed bodies. */
export function genericFault(fault: Fault): FakeResponse | 'hang' | 'malformed' | undefined {
  if (fault.kind === 'hang') return 'hang';
  if (fault.kind === 'malformed') return 'malformed';
  if (fault.kind === 'status') return { status: fault.status, body: fault.body ?? { error: `HTTP ${fault.status}` }, headers: fault.headers };
  return undefined;
}
