/**
 * Stage C's Claude provider through `@anthropic-ai/sdk`: a base64 image block (media type from
 * the bytes, downsized to the API's limits) and a prompt asking for the diagram, answered through
 * a tool (`report_diagram`, forced by `tool_choice`) whose `input_schema` is the answer's shape, so
 * the answer arrives as a JSON object rather than text to be parsed. That object is validated by
 * `parseVisionObject`; should the answer come as text anyway, it is repaired and validated by
 * `parseVisionAnswer`. The SDK's own retries are off: ours (cockatiel, with the shared breaker) are
 * the only ones, so every attempt is counted once.
 */
import Anthropic from '@anthropic-ai/sdk';
import { ProviderError, ProviderUnauthorizedError, type ResilientCaller } from '@mpp/resilience';
import { annotateActiveSpan } from '@mpp/telemetry';
import { prepareLlmImage } from '../image-payload';
import { apiProviderVersion } from '../../provider-version';
import { tokenUsage, type TokenPrices } from '../usage';
import { parseVisionAnswer, parseVisionObject, VISION_REPORT_TOOL, VISION_RESPONSE_JSON_SCHEMA, visionPrompt, type ExternalVisionResult } from '../vision-answer';

const REPORT_TOOL: Anthropic.Tool = {
  name: VISION_REPORT_TOOL,
  description: 'Report the analysis of the math problem image: diagram type, regions, diagram elements and their relations, in pixels of the image.',
  input_schema: { ...VISION_RESPONSE_JSON_SCHEMA, required: [...VISION_RESPONSE_JSON_SCHEMA.required] },
};

export interface AnthropicProviderOptions {
  apiKey: string;
  baseUrl?: string;
  model: string;
  timeoutMs: number;
  prices: TokenPrices;
}

export class AnthropicVisionProvider {
  readonly name = 'anthropic';
  private readonly client: Anthropic;

  constructor(
    private readonly opts: AnthropicProviderOptions,
    private readonly caller: ResilientCaller,
  ) {
    this.client = new Anthropic({ apiKey: opts.apiKey, ...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}), maxRetries: 0, timeout: opts.timeoutMs + 1000 });
  }

  /** What changes this provider's answers besides its name: the model and the endpoint (provider-version.ts). */
  get version(): string {
    return apiProviderVersion(this.opts.baseUrl ?? 'https://api.anthropic.com', this.opts.model);
  }

  async analyse(image: Buffer, opts: { signal: AbortSignal }): Promise<ExternalVisionResult> {
    const img = await prepareLlmImage(image);
    const message = await this.caller.call(
      (signal) =>
        this.client.messages
          .create(
            {
              model: this.opts.model,
              max_tokens: 4096,
              tools: [REPORT_TOOL],
              tool_choice: { type: 'tool', name: VISION_REPORT_TOOL },
              messages: [
                {
                  role: 'user',
                  content: [
                    { type: 'image', source: { type: 'base64', media_type: img.mediaType, data: img.data.toString('base64') } },
                    { type: 'text', text: visionPrompt(img.width, img.height, VISION_REPORT_TOOL) },
                  ],
                },
              ],
            },
            { signal },
          )
          .withResponse()
          .then(
            ({ data, response }) => {
              annotateActiveSpan({ 'http.response.status_code': response.status });
              return data;
            },
            (err: unknown) => {
              throw mapAnthropicError(err);
            },
          ),
      opts.signal,
    );
    // Counted before the answer is checked: a malformed answer was billed all the same.
    const usage = tokenUsage(this.name, message.usage.input_tokens, message.usage.output_tokens, this.opts.prices);
    const report = message.content.find((block) => block.type === 'tool_use' && block.name === VISION_REPORT_TOOL);
    const result =
      report?.type === 'tool_use'
        ? parseVisionObject(this.name, report.input, img.scaleBack)
        : parseVisionAnswer(this.name, message.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n'), img.scaleBack);
    return { ...result, usage };
  }
}

/** SDK errors to ours. Claude's 429 falls back to Gemini rather than pausing stage C (docs/providers.md). */
export function mapAnthropicError(err: unknown): unknown {
  if (err instanceof Anthropic.APIUserAbortError) return err;
  if (err instanceof Anthropic.APIConnectionTimeoutError) return new ProviderError('anthropic', 'provider_timeout', 'anthropic did not answer in time', { retryable: true, countsAsFailure: true });
  if (err instanceof Anthropic.APIConnectionError) return new ProviderError('anthropic', 'provider_unreachable', 'anthropic could not be reached', { retryable: true, countsAsFailure: true });
  if (err instanceof Anthropic.APIError) {
    const status = err.status ?? 0;
    if (status === 401 || status === 403) return new ProviderUnauthorizedError('anthropic', status, 'ANTHROPIC_API_KEY');
    if (status === 429) return new ProviderError('anthropic', 'rate_limited', 'anthropic is rate limiting us (HTTP 429)', { retryable: false, countsAsFailure: false, status });
    if (status >= 500) return new ProviderError('anthropic', 'provider_unavailable', `anthropic answered HTTP ${status}`, { retryable: true, countsAsFailure: true, status });
    return new ProviderError('anthropic', 'provider_rejected', `anthropic refused the request (HTTP ${status})`, { retryable: false, countsAsFailure: false, status });
  }
  return err;
}
