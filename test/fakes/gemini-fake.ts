/**
 * Gemini API `POST /v1beta/models/{model}:generateContent`: `x-goog-api-key` header, `contents`
 * with an `inlineData` part, `generationConfig` asking for JSON; the real answer
 * (`candidates[].content.parts[].text`, `usageMetadata`) and error envelope
 * (`{error: {code, message, status}}`, a bad key is 400 API_KEY_INVALID).
 */
import { FakeApi, genericFault, type Fault } from './fake-server';
import { VISION_OK_JSON } from './vision-answer-fixture';

export const GEMINI_FAKE_KEY = 'AIzaFAKE-SECRET-gemini-77aa';

export function geminiFake(answerText: () => string = () => JSON.stringify(VISION_OK_JSON)): FakeApi {
  return new FakeApi((call, fault: Fault) => {
    const m = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(call.path);
    if (call.method !== 'POST' || !m) return { status: 404, body: { error: { code: 404, message: 'Not found', status: 'NOT_FOUND' } } };
    if (call.headers['x-goog-api-key'] !== GEMINI_FAKE_KEY) {
      return {
        status: 400,
        body: { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }] } },
      };
    }
    if (fault.kind === 'status' && fault.status >= 400) {
      return { status: fault.status, body: { error: { code: fault.status, message: `fake ${fault.status}`, status: fault.status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE' } }, headers: fault.headers };
    }
    const generic = genericFault(fault);
    if (generic) return generic;
    const body = call.body as { contents?: Array<{ parts: Array<{ inlineData?: { mimeType: string; data: string }; text?: string }> }>; generationConfig?: { responseMimeType?: string } };
    const inline = body.contents?.[0]?.parts.find((p) => p.inlineData)?.inlineData;
    if (!inline || !/^image\//.test(inline.mimeType) || !inline.data) {
      return { status: 400, body: { error: { code: 400, message: 'Invalid inline data', status: 'INVALID_ARGUMENT' } } };
    }
    return {
      status: 200,
      body: {
        candidates: [{ content: { parts: [{ text: answerText() }], role: 'model' }, finishReason: 'STOP', index: 0 }],
        usageMetadata: { promptTokenCount: 1290, candidatesTokenCount: 380, totalTokenCount: 1670 },
        modelVersion: m[1],
        responseId: 'fake-response-1',
      },
    };
  });
}
