/**
 * Mathpix `POST /v3/text` as the real API answers it: `app_id` / `app_key` headers (wrong ones get
 * 401), a JSON body with `src` as a data URL, and on success `text` in Mathpix Markdown,
 * `latex_styled`, `data`, `confidence`, `confidence_rate` and `line_data` with `cnt` polygons.
 * Most errors come back as HTTP 200 with `error` and `error_info.id`, as Mathpix does.
 */
import { FakeApi, genericFault, type Fault } from './fake-server';

export const MATHPIX_FAKE_APP_ID = 'fake_app_id_7c1e';
export const MATHPIX_FAKE_APP_KEY = 'fake-mathpix-key-SECRET-9f3b2a';

export const MATHPIX_OK_ANSWER = {
  request_id: '2026_12_03_fake_request',
  version: 'RSK-M132p3',
  image_width: 640,
  image_height: 200,
  is_printed: true,
  is_handwritten: false,
  confidence: 0.97,
  confidence_rate: 0.98,
  text: 'Solve \\( x^{2}-5 x+6=0 \\) for \\( x \\).\n\\[\nx=\\frac{5 \\pm 1}{2}\n\\]',
  latex_styled: '\\text { Solve } x^{2}-5 x+6=0 \\text { for } x \\text {. }',
  data: [
    { type: 'asciimath', value: 'x^(2)-5x+6=0' },
    { type: 'latex', value: 'x^{2}-5 x+6=0' },
  ],
  line_data: [
    { type: 'text', cnt: [[12, 20], [420, 20], [420, 58], [12, 58]], included: true, is_printed: true, is_handwritten: false, text: 'Solve \\( x^{2}-5 x+6=0 \\) for \\( x \\).', after_hyphen: false, confidence: 0.96, confidence_rate: 0.97 },
    { type: 'math', cnt: [[100, 90], [300, 90], [300, 150], [100, 150]], included: true, is_printed: true, is_handwritten: false, text: '\\[\nx=\\frac{5 \\pm 1}{2}\n\\]', after_hyphen: false, confidence: 0.99, confidence_rate: 0.99 },
  ],
};

const ERROR_MESSAGES: Record<string, string> = {
  sys_exception: 'Internal server error',
  connection_closed: 'Connection closed',
  http_max_requests: 'Too many requests',
  image_no_content: 'Content not found',
  json_syntax: 'JSON syntax error',
  sys_request_too_large: 'Request too large',
};

export function mathpixFake(): FakeApi {
  return new FakeApi((call, fault: Fault) => {
    if (call.method !== 'POST' || call.path !== '/v3/text') return { status: 404, body: { error: 'Not found', error_info: { id: 'http_not_found', message: 'Not found' } } };
    if (call.headers.app_id !== MATHPIX_FAKE_APP_ID || call.headers.app_key !== MATHPIX_FAKE_APP_KEY) {
      return { status: 401, body: { error: 'Invalid credentials', error_info: { id: 'http_unauthorized', message: 'Invalid credentials' } } };
    }
    const generic = genericFault(fault);
    if (generic) return generic;
    if ((call.body as { include_line_data?: unknown; include_word_data?: unknown } | undefined)?.include_line_data && (call.body as { include_word_data?: unknown }).include_word_data) {
      return { status: 200, body: { error: 'Requesting both line data and word data is not supported.', error_info: { id: 'opts_conflict', message: 'Requesting both line data and word data is not supported.' } } };
    }
    if (fault.kind === 'api_error') return { status: 200, body: { error: ERROR_MESSAGES[fault.id] ?? fault.id, error_info: { id: fault.id, message: ERROR_MESSAGES[fault.id] ?? fault.id } } };
    const src = (call.body as { src?: unknown } | undefined)?.src;
    if (typeof src !== 'string' || !/^data:image\/(png|jpeg|webp|gif);base64,/.test(src)) {
      return { status: 200, body: { error: 'JSON syntax error', error_info: { id: 'json_syntax', message: 'src must be an image URL or data URL' } } };
    }
    return { status: 200, body: MATHPIX_OK_ANSWER };
  });
}
