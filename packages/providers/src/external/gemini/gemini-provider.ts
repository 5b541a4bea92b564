/**
 * Stage C's Gemini provider through `@google/genai` (not the archived `@google/generative-ai`,
 * see docs/providers.md): an `inlineData` image part and a JSON response schema; the answer goes
 * through the same validation as Claude's. The SDK retries nothing unless asked (we do not).
 */

import { ProviderError, ProviderUnauthorizedError, type ResilientCaller } from '@mpp/resilience';
import { prepareLlmImage } from '../image-payload';
import { apiProviderVersion } from '../../provider-version';
import { tokenUsage, type TokenPrices } from '../usage';
import { parseVisionAnswer, VISION_RESPONSE_JSON_SCHEMA, visionPrompt, type ExternalVisionResult } from '../vision-answer';

// @google/genai ships as an ES module with a CommonJS build; our packages compile to CommonJS, so
// it is required (Node picks `dist/node/index.cjs`) and typed through an import-mode type query.
type GenAiModule = typeof import('@google/genai', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ApiError, GoogleGenAI } = require('@google/genai') as GenAiModule;

export interface GeminiProviderOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  timeoutMs: number;
  prices: TokenPrices;
}

export class GeminiVisionProvider {
  readonly name = 'gemini';
  private readonly client: InstanceType<GenAiModule['GoogleGenAI']>;

  constructor(
    private readonly opts: GeminiProviderOptions,
    private readonly caller: ResilientCaller,
  ) {
    // Our own fetch: without one the SDK reaches for undici's global dispatcher, which sandboxes
    // (jest's vm) do not expose; our timeout bounds every call anyway.
    const ownFetch = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => fetch(input, init);
    this.client = new GoogleGenAI({ apiKey: opts.apiKey, httpOptions: { ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}), timeout: opts.timeoutMs + 1000, fetch: ownFetch } });
  }

  /** What changes this provider's answers besides its name: the model and the endpoint (provider-version.ts). */
  get version(): string {
    return apiProviderVersion(this.opts.baseUrl ?? 'https://generativelanguage.googleapis.com', this.opts.model);
  }

  async analyse(image: Buffer, opts: { signal: AbortSignal }): Promise<ExternalVisionResult> {
    const img = await prepareLlmImage(image);
    const response = await this.caller.call(
      (signal) =>
        this.client.models
          .generateContent({
            model: this.opts.model,
            contents: [{ role: 'user', parts: [{ inlineData: { mimeType: img.mediaType, data: img.data.toString('base64') } }, { text: visionPrompt(img.width, img.height) }] }],
            config: { responseMimeType: 'application/json', responseJsonSchema: VISION_RESPONSE_JSON_SCHEMA, temperature: 0, abortSignal: signal },
          })
          .catch((err: unknown) => {
            throw mapGeminiError(err);
          }),
      opts.signal,
    );
    // Counted before the answer is checked: a malformed answer was billed all the same.
    const meta = response.usageMetadata;
    const usage = tokenUsage(this.name, meta?.promptTokenCount ?? 0, meta?.candidatesTokenCount ?? 0, this.opts.prices);
    const result = parseVisionAnswer(this.name, response.text ?? '', img.scaleBack);
    return { ...result, usage };
  }
}

/** SDK errors to ours; Gemini's 429 falls through to the local provider. */
export function mapGeminiError(err: unknown): unknown {
  if (err instanceof ApiError) {
    const status = err.status;
    if (status === 401 || status === 403) return new ProviderUnauthorizedError('gemini', status, 'GEMINI_API_KEY');
    // Gemini reports a bad key as 400 API_KEY_INVALID.
    if (status === 400 && /API_KEY_INVALID|API key not valid/i.test(err.message)) return new ProviderUnauthorizedError('gemini', status, 'GEMINI_API_KEY');
    if (status === 429) return new ProviderError('gemini', 'rate_limited', 'gemini is rate limiting us (HTTP 429)', { retryable: false, countsAsFailure: false, status });
    if (status >= 500) return new ProviderError('gemini', 'provider_unavailable', `gemini answered HTTP ${status}`, { retryable: true, countsAsFailure: true, status });
    return new ProviderError('gemini', 'provider_rejected', `gemini refused the request (HTTP ${status})`, { retryable: false, countsAsFailure: false, status });
  }
  return err;
}
