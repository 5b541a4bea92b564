/**
 * `mathpixClient`: one `POST {MATHPIX_API_URL}/v3/text` call over fetch. Mathpix answers most
 * errors with HTTP 200 and an `error` / `error_info.id` body, so the status alone says little:
 * every answer is classified here into a result or a named `ProviderError`.
 */
import { ProviderError, ProviderUnauthorizedError, RateLimitedError, parseRetryAfter } from '@mpp/resilience';
import { annotateActiveSpan } from '@mpp/telemetry';
import { apiProviderVersion } from '../../provider-version';
import { MathpixResponse } from './mathpix-wire';

/** Error ids worth another try: the service hiccupped or asks us to slow down. */
const RETRYABLE_IDS = new Set(['sys_exception', 'connection_closed', 'http_max_requests', 'http_timeout', 'server_error']);

export interface MathpixClientOptions {
  appId: string;
  appKey: string;
  baseUrl: string;
  /** 429s asking to wait longer than this fall back instead of pausing the queue. */
  rateLimitMaxWaitMs: number;
}

export class MathpixClient {
  constructor(private readonly opts: MathpixClientOptions) {}

  /** The endpoint answers come from (`MATHPIX_API_URL`), for the stage cache's key; no credential. */
  get version(): string {
    return apiProviderVersion(this.opts.baseUrl);
  }

  async text(image: Buffer, mediaType: string, signal: AbortSignal): Promise<MathpixResponse> {
    const url = new URL('/v3/text', this.opts.baseUrl.endsWith('/') ? this.opts.baseUrl : `${this.opts.baseUrl}/`);
    const body = {
      src: `data:${mediaType};base64,${image.toString('base64')}`,
      formats: ['text', 'latex_styled', 'data'],
      data_options: { include_latex: true, include_asciimath: true },
      include_line_data: true,
    };
    const res = await fetch(url, {
      method: 'POST',
      headers: { app_id: this.opts.appId, app_key: this.opts.appKey, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });
    // The attempt's span (ResilientCaller) gets the status; Mathpix's errors often come as 200.
    annotateActiveSpan({ 'http.response.status_code': res.status });
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new ProviderUnauthorizedError('mathpix', res.status, 'MATHPIX_APP_ID and MATHPIX_APP_KEY');
    }
    if (res.status === 429) {
      await res.body?.cancel();
      const waitMs = parseRetryAfter(res.headers.get('retry-after'), 1000);
      if (waitMs <= this.opts.rateLimitMaxWaitMs) throw new RateLimitedError('mathpix', waitMs);
      throw new ProviderError('mathpix', 'rate_limited_long', `mathpix asks to wait ${Math.ceil(waitMs / 1000)} s; falling back`, { retryable: false, countsAsFailure: false, status: 429 });
    }
    if (res.status >= 500) {
      await res.body?.cancel();
      throw new ProviderError('mathpix', 'provider_unavailable', `mathpix answered HTTP ${res.status}`, { retryable: true, countsAsFailure: true, status: res.status });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ProviderError('mathpix', 'malformed_response', `mathpix answered HTTP ${res.status} with a body that is not JSON`, { retryable: true, countsAsFailure: true, status: res.status });
    }
    const parsed = MathpixResponse.safeParse(json);
    if (!parsed.success) {
      throw new ProviderError('mathpix', 'malformed_response', `mathpix answer has an unexpected shape (HTTP ${res.status})`, { retryable: false, countsAsFailure: true, status: res.status });
    }
    const answer = parsed.data;
    const errorId = answer.error_info?.id ?? (answer.error ? 'unknown_error' : undefined);
    if (errorId || res.status >= 400) {
      throw classifyMathpixError(errorId ?? `http_${res.status}`, answer.error_info?.message ?? answer.error ?? `HTTP ${res.status}`, res.status);
    }
    return answer;
  }
}

/** Retryable service errors count against the breaker; input errors (bad image, too large) do not. */
export function classifyMathpixError(id: string, message: string, status: number): ProviderError {
  const safe = message.slice(0, 200);
  // `http_max_requests` is Mathpix slowing us down, not Mathpix failing: retried, but it does not open the breaker.
  if (RETRYABLE_IDS.has(id)) return new ProviderError('mathpix', `mathpix_${id}`, `mathpix error ${id}: ${safe}`, { retryable: true, countsAsFailure: id !== 'http_max_requests', status });
  return new ProviderError('mathpix', `mathpix_${id.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}`.slice(0, 60), `mathpix error ${id}: ${safe}`, { retryable: false, countsAsFailure: false, status });
}
