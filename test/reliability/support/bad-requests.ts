/**
 * The bad-input corpus: hostile or broken requests, each with the 4xx it must get and a pattern
 * its problem document must contain (the check or field that failed). `test/reliability/
 * bad-input.test.ts` sends every one to the built API process; the table is the documentation of
 * what is refused and how (docs/reliability.md). Images come from `hostile-images.ts`.
 */
import type { HostileImages } from './hostile-images';
import { rawRequest, type Answer } from './raw-http';

export interface Target {
  url: string;
  port: number;
  images: HostileImages;
}

export interface BadRequest {
  name: string;
  status: number;
  /** Must match `problemText` of the answer (type, title, detail, each error as `field: message`), so the client learns what was wrong. */
  names: RegExp;
  send(t: Target): Promise<Answer>;
}

/** The problem document as one line of text: `type | title | detail | field: message | ...`. */
export function problemText(problem: { type?: string; title?: string; detail?: string; errors?: Array<{ field: string; message: string }> }): string {
  return [problem.type, problem.title, problem.detail, ...(problem.errors ?? []).map((e) => `${e.field}: ${e.message}`)].join(' | ');
}

async function answer(res: Response): Promise<Answer> {
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

const post = (t: Target, path: string, body: string | Blob | FormData | undefined, headers: Record<string, string> = {}) =>
  fetch(`${t.url}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) }).then(answer);
const json = (t: Target, body: unknown, headers: Record<string, string> = {}) =>
  post(t, '/v1/jobs', typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', ...headers });
const get = (t: Target, path: string) => fetch(`${t.url}${path}`, { signal: AbortSignal.timeout(30_000) }).then(answer);

function form(parts: Array<[string, string | Buffer, string?]>): FormData {
  const f = new FormData();
  for (const [name, value, filename] of parts) {
    if (typeof value === 'string' && filename === undefined) f.append(name, value);
    else f.append(name, new Blob([typeof value === 'string' ? value : new Uint8Array(value)]), filename ?? 'image.png');
  }
  return f;
}
const multipart = (t: Target, parts: Array<[string, string | Buffer, string?]>) => post(t, '/v1/jobs', form(parts));
const raw = (t: Target, text: string) => rawRequest(t.port, text, { timeoutMs: 30_000 });
const b64 = (t: Target) => t.images.png.toString('base64');
const deep = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
const JOB = '00000000-0000-4000-8000-000000000000';

/** One refused image per entry of `HostileImages.refused`, sent as a multipart upload (422, the check named). */
export function imageRequests(images: HostileImages): BadRequest[] {
  return Object.entries(images.refused).map(([name, { bytes, check }]) => ({
    name: `image: ${name}`,
    status: 422,
    names: new RegExp(`\\| ${check}: `),
    send: (t) => multipart(t, [['image', bytes, 'upload.png']]),
  }));
}

export const BAD_REQUESTS: BadRequest[] = [
  // The body as a whole
  { name: 'no body, no content type', status: 400, names: /missing-body/, send: (t) => post(t, '/v1/jobs', undefined) },
  { name: 'text/plain body', status: 415, names: /content type text\/plain/, send: (t) => post(t, '/v1/jobs', 'hello', { 'content-type': 'text/plain' }) },
  { name: 'XML body', status: 415, names: /application\/xml/, send: (t) => post(t, '/v1/jobs', '<job/>', { 'content-type': 'application/xml' }) },
  { name: 'form-urlencoded body', status: 415, names: /x-www-form-urlencoded/, send: (t) => post(t, '/v1/jobs', 'image_url=x', { 'content-type': 'application/x-www-form-urlencoded' }) },
  { name: 'raw PNG bytes as the body', status: 415, names: /image\/png is not accepted/, send: (t) => post(t, '/v1/jobs', new Blob([new Uint8Array(t.images.png)]), { 'content-type': 'image/png' }) },
  { name: 'a content type that does not parse', status: 415, names: /unsupported-media-type/, send: (t) => post(t, '/v1/jobs', 'x', { 'content-type': ';;;==' }) },
  // JSON
  { name: 'truncated JSON', status: 400, names: /not valid JSON/, send: (t) => json(t, '{"image_base64": ') },
  { name: 'JSON with NaN', status: 400, names: /not valid JSON/, send: (t) => json(t, '{"image_base64":"AAAA","options":{"review_threshold":NaN}}') },
  { name: 'a JSON array as the body', status: 400, names: /must be a JSON object/, send: (t) => json(t, '[1,2,3]') },
  { name: 'JSON null as the body', status: 400, names: /malformed-json/, send: (t) => json(t, 'null') },
  { name: 'an empty JSON object', status: 400, names: /image_url or image_base64/, send: (t) => json(t, {}) },
  { name: 'both image_url and image_base64', status: 400, names: /exactly one of image_url or image_base64/, send: (t) => json(t, { image_url: 'https://example.com/a.png', image_base64: b64(t) }) },
  { name: 'an unknown top-level field', status: 400, names: /unknown field: colour/, send: (t) => json(t, { image_base64: b64(t), colour: 'blue' }) },
  { name: '__proto__ as a field', status: 400, names: /unknown field: __proto__/, send: (t) => json(t, `{"image_base64":"${b64(t)}","__proto__":{"admin":true}}`) },
  { name: 'image_base64 as a number', status: 400, names: /body\.image_base64/, send: (t) => json(t, { image_base64: 12345 }) },
  { name: 'a 100 000-deep JSON array', status: 400, names: /must be a JSON object/, send: (t) => json(t, `${'['.repeat(100_000)}${']'.repeat(100_000)}`) },
  { name: 'metadata nested 5000 deep', status: 400, names: /nest deeper than 32 levels/, send: (t) => json(t, `{"image_base64":"${b64(t)}","metadata":${deep(5_000)}}`) },
  { name: 'metadata over 16 KiB', status: 400, names: /at most 16 KiB/, send: (t) => json(t, { image_base64: b64(t), metadata: { notes: 'x'.repeat(20_000) } }) },
  { name: '__proto__ as a metadata key (it would vanish from the echo)', status: 400, names: /"__proto__" is not allowed as a metadata key/, send: (t) => json(t, `{"image_base64":"${b64(t)}","metadata":{"__proto__":{"isAdmin":true}}}`) },
  { name: 'metadata as an array', status: 400, names: /body\.metadata/, send: (t) => json(t, { image_base64: b64(t), metadata: [1, 2] }) },
  { name: 'a metadata key over 128 characters', status: 400, names: /body\.metadata/, send: (t) => json(t, { image_base64: b64(t), metadata: { ['k'.repeat(200)]: 1 } }) },
  { name: 'a JSON body over the size limit', status: 413, names: /payload-too-large/, send: (t) => json(t, { image_base64: 'A'.repeat(12 * 1024 * 1024) }) },
  { name: 'a gzip-encoded body that is not gzip', status: 400, names: /incorrect header check/, send: (t) => post(t, '/v1/jobs', '{"a":1}', { 'content-type': 'application/json', 'content-encoding': 'gzip' }) },
  { name: 'an unknown content encoding', status: 415, names: /unsupported content encoding/, send: (t) => post(t, '/v1/jobs', '{"a":1}', { 'content-type': 'application/json', 'content-encoding': 'zstd-but-not' }) },
  // Options
  { name: 'options as a string', status: 400, names: /body\.options/, send: (t) => json(t, { image_base64: b64(t), options: 'fast' }) },
  { name: 'an unknown option', status: 400, names: /unknown field: turbo/, send: (t) => json(t, { image_base64: b64(t), options: { turbo: true } }) },
  { name: 'an unknown stage in skip_stages', status: 400, names: /unknown stage "Q"/, send: (t) => json(t, { image_base64: b64(t), options: { skip_stages: ['Q'] } }) },
  { name: 'an unknown export format', status: 400, names: /export_formats\[0\]/, send: (t) => json(t, { image_base64: b64(t), options: { export_formats: ['exe'] } }) },
  { name: 'priority 1e300', status: 400, names: /options\.priority/, send: (t) => json(t, { image_base64: b64(t), options: { priority: 1e300 } }) },
  { name: 'a negative timeout', status: 400, names: /options\.timeout_seconds/, send: (t) => json(t, { image_base64: b64(t), options: { timeout_seconds: -1 } }) },
  { name: 'review_threshold above 1', status: 400, names: /options\.review_threshold/, send: (t) => json(t, { image_base64: b64(t), options: { review_threshold: 1.5 } }) },
  { name: 'a provider chain for an unknown stage', status: 400, names: /options\.providers/, send: (t) => json(t, { image_base64: b64(t), options: { providers: { Z: ['local'] } } }) },
  { name: 'unicode and control characters as a stage name', status: 400, names: /unknown stage/, send: (t) => json(t, { image_base64: b64(t), options: { skip_stages: ['\u0000\u202eA\ud83d\ude00'] } }) },
  // base64
  { name: 'base64 with junk characters', status: 400, names: /not valid base64/, send: (t) => json(t, { image_base64: `${b64(t).slice(0, 40)}@@##!!` }) },
  { name: 'a data: URL with no data', status: 400, names: /holds no data/, send: (t) => json(t, { image_base64: 'data:image/png;base64,' }) },
  { name: 'an empty image_base64', status: 400, names: /image_base64/, send: (t) => json(t, { image_base64: '' }) },
  { name: 'base64 of a truncated PNG', status: 422, names: /\| corrupt: /, send: (t) => json(t, { image_base64: t.images.png.subarray(0, 300).toString('base64') }) },
  // image_url (SSRF)
  ...['http://127.0.0.1/a.png', 'http://169.254.169.254/latest/meta-data/', 'http://[::ffff:127.0.0.1]/a.png', 'http://[::1]/a.png', 'http://2130706433/a.png', 'http://0177.0.0.1/a.png', 'http://localhost/a.png', 'http://10.0.0.1/a.png', 'http://example.com@127.0.0.1/a.png'].map(
    (image_url): BadRequest => ({ name: `image_url ${image_url}`, status: 422, names: /url-not-allowed/, send: (t) => json(t, { image_url }) }),
  ),
  ...['file:///etc/passwd', 'gopher://127.0.0.1:6379/_FLUSHALL', 'ftp://example.com/a.png', 'not a url'].map(
    (image_url): BadRequest => ({ name: `image_url ${image_url}`, status: 400, names: /must be an absolute http\(s\) URL/, send: (t) => json(t, { image_url }) }),
  ),
  { name: 'an image_url over 2048 characters', status: 400, names: /body\.image_url/, send: (t) => json(t, { image_url: `https://example.com/${'a'.repeat(3000)}` }) },
  { name: 'an image_url that does not resolve', status: 422, names: /does not resolve/, send: (t) => json(t, { image_url: 'http://no-such-host.invalid/a.png' }) },
  { name: 'a webhook_url to the metadata address', status: 422, names: /webhook_url/, send: (t) => json(t, { image_base64: b64(t), webhook_url: 'http://169.254.169.254/hook' }) },
  // Multipart
  { name: 'multipart without a boundary', status: 400, names: /Boundary not found/, send: (t) => post(t, '/v1/jobs', 'xx', { 'content-type': 'multipart/form-data' }) },
  { name: 'multipart garbage', status: 400, names: /malformed-multipart/, send: (t) => post(t, '/v1/jobs', 'garbage', { 'content-type': 'multipart/form-data; boundary=abc' }) },
  { name: 'a multipart body cut off inside the file', status: 400, names: /malformed-multipart/, send: (t) => post(t, '/v1/jobs', '--abc\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n\x89PNG', { 'content-type': 'multipart/form-data; boundary=abc' }) },
  { name: 'two image files', status: 400, names: /Too many files/, send: (t) => multipart(t, [['image', t.images.png, 'a.png'], ['image', t.images.png, 'b.png']]) },
  { name: 'the file under another field name', status: 400, names: /got "file"/, send: (t) => multipart(t, [['file', t.images.png, 'a.png']]) },
  { name: 'no file at all', status: 400, names: /no file field named "image"/, send: (t) => multipart(t, [['options', '{}']]) },
  { name: 'an unknown form field', status: 400, names: /form\.colour/, send: (t) => multipart(t, [['image', t.images.png, 'a.png'], ['colour', 'red']]) },
  { name: 'options twice', status: 400, names: /form\.options/, send: (t) => multipart(t, [['options', '{}'], ['options', '{}'], ['image', t.images.png, 'a.png']]) },
  { name: 'options that are not JSON', status: 400, names: /options is not valid JSON/, send: (t) => multipart(t, [['image', t.images.png, 'a.png'], ['options', '{skip']]) },
  { name: 'a form field over 64 KiB', status: 400, names: /Field value too long/, send: (t) => multipart(t, [['image', t.images.png, 'a.png'], ['metadata', 'x'.repeat(100_000)]]) },
  { name: '30 form fields', status: 400, names: /Too many/, send: (t) => multipart(t, Array.from({ length: 30 }, (_, i): [string, string] => [`f${i}`, 'x'])) },
  { name: 'an uploaded file over the size limit', status: 413, names: /\| image: file too large/, send: (t) => multipart(t, [['image', Buffer.concat([t.images.png, Buffer.alloc(9 * 1024 * 1024)]), 'big.png']]) },
  // Headers and HTTP itself
  { name: 'an Idempotency-Key of 300 characters', status: 400, names: /Idempotency-Key/, send: (t) => json(t, { image_base64: b64(t) }, { 'idempotency-key': 'k'.repeat(300) }) },
  { name: 'an Idempotency-Key with non-ASCII', status: 400, names: /Idempotency-Key/, send: (t) => raw(t, `POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nIdempotency-Key: cl\u00e9\r\nContent-Length: 2\r\n\r\n{}`) },
  { name: 'headers over 16 KiB', status: 431, names: /headers-too-large/, send: (t) => raw(t, `GET /v1/jobs/${JOB} HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`) },
  { name: 'a request line that is not HTTP', status: 400, names: /malformed-http/, send: (t) => raw(t, 'HELLO THERE\r\n\r\n') },
  { name: 'an unknown HTTP version', status: 400, names: /malformed-http/, send: (t) => raw(t, 'GET /health HTTP/9.9\r\nHost: x\r\n\r\n') },
  { name: 'HTTP/1.1 without Host', status: 400, names: /Host header/, send: (t) => raw(t, `GET /v1/jobs/${JOB} HTTP/1.1\r\n\r\n`) },
  { name: 'Content-Length beside Transfer-Encoding (smuggling)', status: 400, names: /malformed-http/, send: (t) => raw(t, 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n') },
  { name: 'two different Content-Lengths', status: 400, names: /Duplicate Content-Length/, send: (t) => raw(t, 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}') },
  { name: 'a negative Content-Length', status: 400, names: /malformed-http/, send: (t) => raw(t, 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}') },
  { name: 'a chunk size that is not hex', status: 400, names: /malformed-http/, send: (t) => raw(t, 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n') },
  { name: 'a NUL byte in a header', status: 400, names: /malformed-http/, send: (t) => raw(t, 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n') },
  { name: 'an unknown Expect', status: 417, names: /Expect: teapot/, send: (t) => raw(t, 'POST /v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: teapot\r\nContent-Length: 2\r\n\r\n{}') },
  // Other routes
  { name: 'a job id with broken percent-encoding', status: 400, names: /percent-encoding/, send: (t) => get(t, '/v1/jobs/%ff') },
  { name: 'a job id that is a path traversal', status: 404, names: /is not a job id/, send: (t) => get(t, '/v1/jobs/..%2f..%2fetc%2fpasswd') },
  { name: 'wait=abc', status: 400, names: /query\.wait/, send: (t) => get(t, `/v1/jobs/${JOB}?wait=abc`) },
  { name: 'an export format that does not exist', status: 404, names: /unknown-export-format/, send: (t) => get(t, `/v1/jobs/${JOB}/exports/exe`) },
  { name: 'PUT /v1/jobs', status: 404, names: /no route for PUT/, send: (t) => fetch(`${t.url}/v1/jobs`, { method: 'PUT' }).then(answer) },
  { name: 'a batch without items', status: 400, names: /body\.items/, send: (t) => post(t, '/v1/batches', '{}', { 'content-type': 'application/json' }) },
  { name: 'a batch of 10 000-deep arrays', status: 400, names: /body\.items\[0\]/, send: (t) => post(t, '/v1/batches', `{"items":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, { 'content-type': 'application/json' }) },
];
