/**
 * Bad input at the door: each request gets a 4xx problem+json that names the problem, nothing
 * is enqueued, and the server keeps serving.
 */
import net from 'node:net';
import sharp from 'sharp';
import { readFixture } from '../support/fixtures';
import { pngWithClaimedSize } from '../support/images';
import { startStack, submitFile, type Stack } from '../support/stack';

describe('bad input is refused with problem+json', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ worker: false });
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function expectProblem(res: Response, status: number, mention: RegExp): Promise<Record<string, any>> {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
    expect(JSON.stringify(body)).toMatch(mention);
    return body;
  }

  it('refuses an empty body', async () => {
    await expectProblem(await fetch(`${stack.baseUrl}/v1/jobs`, { method: 'POST' }), 400, /body/);
    await expectProblem(await fetch(`${stack.baseUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 400, /image_url or image_base64/);
  });

  it('refuses bytes that are not an image', async () => {
    const body = await expectProblem(await submitFile(stack.baseUrl, Buffer.from('%PDF-1.7 this is not an image at all, it is a pdf'.repeat(4))), 422, /format/);
    expect(body.errors[0].field).toBe('format');
  });

  it('refuses a truncated PNG as corrupt', async () => {
    const png = readFixture('textbook', '11', 'img_problem.png');
    const body = await expectProblem(await submitFile(stack.baseUrl, png.subarray(0, Math.floor(png.length / 2))), 422, /corrupt/);
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('corrupt');
  });

  it('refuses a 60000x60000 PNG header as too large without decoding it', async () => {
    const body = await expectProblem(await submitFile(stack.baseUrl, pngWithClaimedSize(60_000, 60_000)), 422, /max_dimensions/);
    expect(body.detail).toMatch(/60000/);
  });

  it('refuses a 10x10 image as too small', async () => {
    const tiny = await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } }).png().toBuffer();
    await expectProblem(await submitFile(stack.baseUrl, tiny), 422, /min_dimensions/);
  });

  it('refuses an unknown option field and names it', async () => {
    const png = readFixture('textbook', '13', 'img_problem.png');
    const body = await expectProblem(await submitFile(stack.baseUrl, png, { options: JSON.stringify({ export_formats: ['json'], colour: 'blue' }) }), 400, /colour/);
    expect(body.errors[0].field).toContain('options');
    const json = await fetch(`${stack.baseUrl}/v1/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image_base64: png.toString('base64'), options: { skip_stages: ['Q'] } }),
    });
    await expectProblem(json, 400, /unknown stage/);
  });

  it('refuses malformed JSON, bad base64 and an unsupported content type', async () => {
    await expectProblem(await fetch(`${stack.baseUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"image_base64": ' }), 400, /not valid JSON/);
    await expectProblem(await fetch(`${stack.baseUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image_base64: '***not base64***' }) }), 400, /base64/);
    await expectProblem(await fetch(`${stack.baseUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' }), 415, /content type/);
  });

  it('refuses metadata nested thousands of levels deep, in JSON and in a multipart field, naming the field', async () => {
    const png = readFixture('textbook', '13', 'img_problem.png');
    const deep = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const json = await fetch(`${stack.baseUrl}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"image_base64":"${png.toString('base64')}","metadata":${deep}}` });
    expect((await expectProblem(json, 400, /nest deeper than 32 levels/)).errors[0].field).toBe('body.metadata');
    const form = await expectProblem(await submitFile(stack.baseUrl, png, { metadata: deep }), 400, /nest deeper than 32 levels/);
    expect(form.errors[0].field).toBe('metadata');
  });

  it('refuses a path whose percent-encoding does not decode', async () => {
    const body = await expectProblem(await fetch(`${stack.baseUrl}/v1/jobs/%ff`), 400, /percent-encoding/);
    expect(body.errors[0].field).toBe('path');
  });

  it('answers what the HTTP parser refuses with problem+json, and counts it in the metrics', async () => {
    const { port } = new URL(stack.baseUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(`GET /v1/jobs HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    expect(raw).toMatch(/headers-too-large/);
    const metrics = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/mathpix_http_requests_total\{method="unknown",route="unparsed",status="431"\} 1/);
  });

  it('keeps serving after all of that, and enqueued nothing', async () => {
    expect((await fetch(`${stack.baseUrl}/health`)).status).toBe(200);
    expect(await stack.api.deps.queues.waitingTotal()).toBe(0);
  });
});
