/**
 * `PipelineClient`: every v1 call of the mathpix-pipeline API as a typed method. Browser-safe:
 * only `fetch`, `FormData`, `Blob`, `crypto.randomUUID` and timers are used.
 */
import { WaitTimeoutError } from './errors';
import { sleep, Transport, type ClientOptions } from './transport';
import type {
  BatchAccepted,
  BatchView,
  ExportFile,
  ExportFormat,
  HealthStatus,
  ImageInput,
  JobAccepted,
  JobView,
  ReadyStatus,
  ResultDocument,
  ReviewClaimAnswer,
  ReviewDecisionAnswer,
  ReviewDecisionRequest,
  ReviewReleaseAnswer,
  ReviewTaskDetail,
  ReviewTaskList,
  ReviewTaskListItem,
  ReviewTaskStatus,
  SubmitOptions,
  WaitOptions,
} from './types';

const SETTLED = new Set(['completed', 'failed', 'cancelled', 'awaiting_review']);
const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export class PipelineClient {
  readonly transport: Transport;
  readonly batches: BatchesApi;
  readonly reviews: ReviewsApi;

  constructor(options: ClientOptions) {
    this.transport = new Transport(options);
    this.batches = new BatchesApi(this.transport);
    this.reviews = new ReviewsApi(this.transport);
  }

  /** `POST /v1/jobs`: bytes go as multipart, URLs and base64 as JSON. An idempotency key is sent (and retries allowed) unless `idempotencyKey: false`. */
  async submit(image: ImageInput, opts: SubmitOptions = {}): Promise<JobAccepted> {
    const key = opts.idempotencyKey === false ? undefined : (opts.idempotencyKey ?? newIdempotencyKey());
    const headers: Record<string, string> = key ? { 'idempotency-key': key } : {};
    const common = { method: 'POST' as const, path: '/v1/jobs', headers, retryable: key !== undefined, ...(opts.signal ? { signal: opts.signal } : {}) };
    if (isUrl(image) || isBase64(image)) {
      const json = {
        ...(isUrl(image) ? { image_url: image.url } : { image_base64: image.base64 }),
        ...(opts.options ? { options: opts.options } : {}),
        ...(opts.metadata ? { metadata: opts.metadata } : {}),
        ...(opts.webhookUrl ? { webhook_url: opts.webhookUrl } : {}),
      };
      return this.transport.json<JobAccepted>({ ...common, json });
    }
    const form = new FormData();
    form.append('image', toBlob(image), opts.filename ?? 'image');
    if (opts.options) form.append('options', JSON.stringify(opts.options));
    if (opts.metadata) form.append('metadata', JSON.stringify(opts.metadata));
    if (opts.webhookUrl) form.append('webhook_url', opts.webhookUrl);
    return this.transport.json<JobAccepted>({ ...common, body: form });
  }

  /** `GET /v1/jobs/:id`; with `wait` (seconds, server caps at 60) it long-polls until the job settles. */
  get(id: string, opts: { wait?: number; signal?: AbortSignal } = {}): Promise<JobView> {
    const wait = opts.wait && opts.wait > 0 ? opts.wait : undefined;
    return this.transport.json<JobView>({
      method: 'GET',
      path: `/v1/jobs/${encodeURIComponent(id)}`,
      query: { wait },
      extraTimeoutMs: (wait ?? 0) * 1000,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /**
   * Long-polls until the job is completed, failed, cancelled (or awaiting review, unless
   * `until: 'terminal'`). If the server answers a long-poll early without news, it backs off
   * (250 ms doubling to 5 s) so a proxy that drops `?wait=` does not become a busy loop.
   */
  async waitFor(id: string, opts: WaitOptions = {}): Promise<JobView> {
    const timeoutMs = opts.timeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    const done = opts.until === 'terminal' ? TERMINAL : SETTLED;
    const pollSeconds = Math.max(1, Math.min(opts.pollSeconds ?? 30, 60));
    let backoff = 250;
    let last: JobView | undefined;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new WaitTimeoutError(id, last?.status ?? 'unknown', timeoutMs);
      const wait = Math.max(1, Math.min(pollSeconds, Math.ceil(remaining / 1000)));
      const started = Date.now();
      const view = await this.get(id, { wait, ...(opts.signal ? { signal: opts.signal } : {}) });
      const changed = !last || last.status !== view.status || last.progress !== view.progress;
      last = view;
      opts.onUpdate?.(view);
      if (done.has(view.status)) return view;
      // awaiting_review with until=terminal: the server returns at once, so pace the polls.
      const early = Date.now() - started < wait * 500;
      if (early && (!changed || view.status === 'awaiting_review')) {
        await sleep(Math.min(backoff, Math.max(0, deadline - Date.now())), opts.signal);
        backoff = Math.min(backoff * 2, 5_000);
      } else {
        backoff = 250;
      }
    }
  }

  /** `GET /v1/jobs/:id/result` (a `ConflictError` until the job completed). */
  result(id: string, opts: { signal?: AbortSignal } = {}): Promise<ResultDocument> {
    return this.transport.json<ResultDocument>({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(id)}/result`, ...(opts.signal ? { signal: opts.signal } : {}) });
  }

  /** `GET /v1/jobs/:id/exports/:format` as bytes with its content type and file name. */
  async export(id: string, format: ExportFormat, opts: { signal?: AbortSignal } = {}): Promise<ExportFile> {
    const res = await this.transport.send({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(id)}/exports/${encodeURIComponent(format)}`, headers: { accept: '*/*' }, ...(opts.signal ? { signal: opts.signal } : {}) });
    const disposition = res.headers.get('content-disposition') ?? '';
    const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `${id}.${format}`;
    return { format, contentType: res.headers.get('content-type') ?? 'application/octet-stream', filename, data: new Uint8Array(await res.arrayBuffer()) };
  }

  /** The export decoded as UTF-8 text (every format but docx). */
  async exportText(id: string, format: ExportFormat, opts: { signal?: AbortSignal } = {}): Promise<string> {
    return new TextDecoder().decode((await this.export(id, format, opts)).data);
  }

  /** `DELETE /v1/jobs/:id`: cancels an unfinished job (returns its view) or deletes a finished one's data (returns `null`). */
  cancel(id: string, opts: { signal?: AbortSignal } = {}): Promise<JobView | null> {
    return this.transport.json<JobView | undefined>({ method: 'DELETE', path: `/v1/jobs/${encodeURIComponent(id)}`, ...(opts.signal ? { signal: opts.signal } : {}) }).then((v) => v ?? null);
  }

  health(): Promise<HealthStatus> {
    return this.transport.json<HealthStatus>({ method: 'GET', path: '/health' });
  }

  /** `GET /ready`; a 503 (not ready) is returned as its body rather than thrown. */
  async ready(): Promise<ReadyStatus> {
    const res = await this.transport.send({ method: 'GET', path: '/ready', retryable: false, acceptStatuses: [503] });
    return (await res.json()) as ReadyStatus;
  }
}

/** `/v1/batches`: many images under one id, with per-item status and counts. */
export class BatchesApi {
  constructor(private readonly transport: Transport) {}

  /** `POST /v1/batches`: bytes go as one multipart body with many `image` files; URLs / base64 as JSON `items`. */
  create(images: ImageInput[], opts: Omit<SubmitOptions, 'filename'> & { filenames?: string[] } = {}): Promise<BatchAccepted> {
    const key = opts.idempotencyKey === false ? undefined : (opts.idempotencyKey ?? newIdempotencyKey());
    const headers: Record<string, string> = key ? { 'idempotency-key': key } : {};
    const common = { method: 'POST' as const, path: '/v1/batches', headers, retryable: key !== undefined, ...(opts.signal ? { signal: opts.signal } : {}) };
    const extras = { ...(opts.options ? { options: opts.options } : {}), ...(opts.metadata ? { metadata: opts.metadata } : {}), ...(opts.webhookUrl ? { webhook_url: opts.webhookUrl } : {}) };
    if (images.every((i) => isUrl(i) || isBase64(i))) {
      const items = images.map((i) => (isUrl(i) ? { image_url: i.url } : { image_base64: (i as { base64: string }).base64 }));
      return this.transport.json<BatchAccepted>({ ...common, json: { items, ...extras } });
    }
    const form = new FormData();
    images.forEach((image, n) => {
      if (isUrl(image) || isBase64(image)) throw new TypeError('a batch mixes bytes with URLs/base64: send one kind');
      form.append('image', toBlob(image), opts.filenames?.[n] ?? `image-${n}`);
    });
    if (opts.options) form.append('options', JSON.stringify(opts.options));
    if (opts.metadata) form.append('metadata', JSON.stringify(opts.metadata));
    if (opts.webhookUrl) form.append('webhook_url', opts.webhookUrl);
    return this.transport.json<BatchAccepted>({ ...common, body: form });
  }

  get(id: string): Promise<BatchView> {
    return this.transport.json<BatchView>({ method: 'GET', path: `/v1/batches/${encodeURIComponent(id)}` });
  }
}

/** `/v1/reviews`: the human review queue. */
export class ReviewsApi {
  constructor(private readonly transport: Transport) {}

  /** One page of tasks (pending by default, most urgent first), with the total. */
  page(opts: { status?: ReviewTaskStatus | 'decided'; offset?: number; limit?: number } = {}): Promise<ReviewTaskList> {
    return this.transport.json<ReviewTaskList>({ method: 'GET', path: '/v1/reviews', query: { status: opts.status ?? 'pending', offset: opts.offset, limit: opts.limit } });
  }

  /** The tasks of one page (see `page` for the total). */
  async list(opts: { status?: ReviewTaskStatus | 'decided'; offset?: number; limit?: number } = {}): Promise<ReviewTaskListItem[]> {
    return (await this.page(opts)).tasks;
  }

  /** One task with what a reviewer needs to judge it (image, text, formulas, figure, checks). */
  get(id: string): Promise<ReviewTaskDetail> {
    return this.transport.json<ReviewTaskDetail>({ method: 'GET', path: `/v1/reviews/${encodeURIComponent(id)}` });
  }

  /**
   * Takes a lease on the task so two reviewers do not collide; send `lease.id` with the decision.
   * Pass the lease id you hold to renew it (a reviewer name alone never does).
   */
  claim(id: string, reviewer: string, leaseId?: string): Promise<ReviewClaimAnswer> {
    return this.transport.json<ReviewClaimAnswer>({ method: 'POST', path: `/v1/reviews/${encodeURIComponent(id)}/claim`, json: { reviewer, ...(leaseId ? { lease_id: leaseId } : {}) } });
  }

  /** Gives the lease back before it expires, so someone else may take the task. */
  release(id: string, leaseId: string): Promise<ReviewReleaseAnswer> {
    return this.transport.json<ReviewReleaseAnswer>({ method: 'POST', path: `/v1/reviews/${encodeURIComponent(id)}/release`, json: { lease_id: leaseId } });
  }

  /** `approve`, `modify` (with corrections) or `reject` (with a reason); answers the decided task and its job. */
  decide(id: string, decision: ReviewDecisionRequest): Promise<ReviewDecisionAnswer> {
    return this.transport.json<ReviewDecisionAnswer>({ method: 'POST', path: `/v1/reviews/${encodeURIComponent(id)}/decision`, json: decision });
  }
}

function isUrl(i: ImageInput): i is { url: string } {
  return typeof i === 'object' && i !== null && 'url' in i && typeof (i as { url: unknown }).url === 'string';
}
function isBase64(i: ImageInput): i is { base64: string } {
  return typeof i === 'object' && i !== null && 'base64' in i && typeof (i as { base64: unknown }).base64 === 'string';
}

function toBlob(image: Blob | Uint8Array | ArrayBuffer): Blob {
  if (image instanceof Blob) return image;
  // Copy into a fresh ArrayBuffer: a Node Buffer may be a view over a larger shared pool.
  const view = image instanceof ArrayBuffer ? new Uint8Array(image) : image;
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return new Blob([copy.buffer]);
}

export function newIdempotencyKey(): string {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
