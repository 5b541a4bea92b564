/**
 * Anthropic Messages API `POST /v1/messages`: the key (`x-api-key` or `authorization: Bearer`) and `anthropic-version` headers, a
 * `messages` body with an image block, client tools (`tools[].input_schema`, `tool_choice`), and
 * the real answer and error envelopes
 * (`{type: "error", error: {type, message}}`, 401 authentication_error, 429 with retry-after,
 * 529 overloaded_error), and the per-image limit as the API applies it: 5 MB of base64 text.
 */
import { FakeApi, genericFault, type Fault } from './fake-server';
import { VISION_OK_JSON } from './vision-answer-fixture';

export const ANTHROPIC_FAKE_KEY = 'sk-ant-fake-SECRET-41d0c9';
/** Anthropic measures an image's size on its base64 string, not on the decoded bytes. */
export const ANTHROPIC_MAX_IMAGE_BASE64 = 5 * 1024 * 1024;

/**
 * What the model answers: `{toolInput}` is a `tool_use` block for the tool the request forces
 * (with `stop_reason: "tool_use"`; as JSON text when the request has no tool); a string is a text
 * block, standing for a model or gateway that answers in text whatever was asked.
 */
export type AnthropicFakeAnswer = string | { toolInput: unknown };

type ToolsBody = { tools?: Array<{ name?: unknown; input_schema?: { type?: unknown } }>; tool_choice?: { type?: string; name?: string } };

/** The API's checks of `tools` and `tool_choice`; the forced tool's name, or an error message. */
function forcedTool(body: ToolsBody): { name?: string } | { error: string } {
  const tools = body.tools ?? [];
  for (const [i, t] of tools.entries()) {
    if (typeof t.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(t.name)) return { error: `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'` };
    if (t.input_schema?.type !== 'object') return { error: `tools.${i}.input_schema.type: Input should be 'object'` };
  }
  const choice = body.tool_choice;
  if (!choice || choice.type !== 'tool') return {};
  if (!tools.some((t) => t.name === choice.name)) return { error: `tool_choice: Tool '${choice.name}' not found in tools` };
  return { name: choice.name };
}

export function anthropicFake(answer: () => AnthropicFakeAnswer = () => ({ toolInput: VISION_OK_JSON })): FakeApi {
  return new FakeApi((call, fault: Fault) => {
    if (call.method !== 'POST' || call.path !== '/v1/messages') return { status: 404, body: { type: 'error', error: { type: 'not_found_error', message: 'Not found' } } };
    // The SDK sends the key as `x-api-key` (older) or `authorization: Bearer` (1.x); both are accepted.
    const key = call.headers['x-api-key'] ?? String(call.headers.authorization ?? '').replace(/^Bearer /, '');
    if (key !== ANTHROPIC_FAKE_KEY) return { status: 401, body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } } };
    if (!call.headers['anthropic-version']) return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version header is required' } } };
    if (fault.kind === 'status' && fault.status === 429) {
      return { status: 429, body: { type: 'error', error: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit' } }, headers: { 'retry-after': '1', ...fault.headers } };
    }
    if (fault.kind === 'status' && fault.status === 529) return { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } };
    const generic = genericFault(fault);
    if (generic) return generic;
    const body = call.body as { model?: string; messages?: Array<{ content: Array<{ type: string; source?: { type: string; media_type: string; data: string } }> }> };
    const image = body.messages?.[0]?.content.find((b) => b.type === 'image');
    if (!image?.source || image.source.type !== 'base64' || !/^image\/(png|jpeg|webp|gif)$/.test(image.source.media_type)) {
      return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content.0.image.source: invalid' } } };
    }
    if (image.source.data.length > ANTHROPIC_MAX_IMAGE_BASE64) {
      const message = `messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: ${image.source.data.length} bytes > ${ANTHROPIC_MAX_IMAGE_BASE64} bytes`;
      return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message } } };
    }
    const tool = forcedTool(call.body as ToolsBody);
    if ('error' in tool) return { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: tool.error } } };
    const said = answer();
    const asTool = typeof said !== 'string' && tool.name !== undefined;
    const content = asTool
      ? [{ type: 'tool_use', id: 'toolu_fake_01', name: tool.name, input: said.toolInput }]
      : [{ type: 'text', text: typeof said === 'string' ? said : JSON.stringify(said.toolInput) }];
    return {
      status: 200,
      body: {
        id: 'msg_fake_01',
        type: 'message',
        role: 'assistant',
        model: body.model,
        content,
        stop_reason: asTool ? 'tool_use' : 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: 1520, output_tokens: 410 },
      },
    };
  });
}
