import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { createProviders, parseVisionAnswer, type ProviderSet } from '@mpp/providers';
import { ANTHROPIC_FAKE_KEY, ANTHROPIC_MAX_IMAGE_BASE64, anthropicFake, type AnthropicFakeAnswer } from '../../../../test/fakes/anthropic-fake';
import { GEMINI_FAKE_KEY, geminiFake } from '../../../../test/fakes/gemini-fake';
import { VISION_OK_JSON } from '../../../../test/fakes/vision-answer-fixture';
import type { FakeApi } from '../../../../test/fakes/fake-server';
import { capturingLogger, deletePrefix, pngImage, providerConfig, REDIS_URL, signal } from './support';

const redis = new Redis(REDIS_URL);
let claude: FakeApi;
let gemini: FakeApi;
const TOOL_ANSWER = (): AnthropicFakeAnswer => ({ toolInput: VISION_OK_JSON });
let claudeAnswer = TOOL_ANSWER;
const prefixes: string[] = [];
const sets: ProviderSet[] = [];
const logs: string[] = [];

beforeAll(async () => {
  claude = await anthropicFake(() => claudeAnswer()).start();
  gemini = await geminiFake().start();
});
afterAll(async () => {
  await Promise.all(sets.map((s) => s.close()));
  await Promise.all(prefixes.map((p) => deletePrefix(redis, p)));
  await Promise.all([claude.stop(), gemini.stop()]);
  redis.disconnect();
  const all = logs.join('\n');
  expect(all).not.toContain(ANTHROPIC_FAKE_KEY);
  expect(all).not.toContain(GEMINI_FAKE_KEY);
});

function worker(env: Record<string, string> = {}) {
  const config = providerConfig({ ANTHROPIC_API_KEY: ANTHROPIC_FAKE_KEY, ANTHROPIC_BASE_URL: claude.url, GEMINI_API_KEY: GEMINI_FAKE_KEY, GEMINI_BASE_URL: gemini.url, ...env });
  prefixes.push(config.redis.prefix);
  const conn = new Redis(REDIS_URL);
  const { logger, lines } = capturingLogger();
  const set = createProviders(config, { redis: conn, logger });
  const close = set.close;
  set.close = async () => {
    logs.push(...lines);
    await close();
    conn.disconnect();
  };
  sets.push(set);
  return { set, lines, byName: (n: string) => set.providers.vision.find((p) => p.name === n)! };
}

describe('Claude and Gemini vision providers through their SDKs against wire-format fakes', () => {
  it('builds the chain C = anthropic, gemini, local and skips providers without keys (logged once)', () => {
    expect(worker().set.providers.vision.map((p) => p.name)).toEqual(['anthropic', 'gemini', 'local']);
    const bare = worker({ ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '' });
    expect(bare.set.providers.vision.map((p) => p.name)).toEqual(['local']);
    expect(bare.set.providers.text.map((p) => p.name)).toEqual(['local']);
    const skipped = bare.lines.map((l) => JSON.parse(l)).filter((l) => Array.isArray(l.skipped));
    expect(skipped).toHaveLength(1);
    expect(skipped[0].skipped).toEqual(['mathpix', 'anthropic', 'gemini']);
  });

  it('Claude: sends a base64 image block, forces the report tool and maps its validated input, dropping relations to unknown elements', async () => {
    const { byName } = worker();
    const out = await byName('anthropic').analyse(await pngImage(), { signal: signal() });
    const call = claude.calls.at(-1)!;
    expect(call.path).toBe('/v1/messages');
    expect(call.headers['x-api-key'] ?? call.headers.authorization).toMatch(new RegExp(`^(Bearer )?${ANTHROPIC_FAKE_KEY}$`));
    expect(call.headers['anthropic-version']).toBeDefined();
    expect(call.body.model).toBe('claude-sonnet-4-5');
    expect(call.body.messages[0].content[0]).toMatchObject({ type: 'image', source: { type: 'base64', media_type: 'image/png' } });
    expect(call.body.tools).toEqual([expect.objectContaining({ name: 'report_diagram', input_schema: expect.objectContaining({ type: 'object', required: ['diagram_type', 'regions', 'elements'] }) })]);
    expect(call.body.tool_choice).toEqual({ type: 'tool', name: 'report_diagram' });
    expect(out.diagram_type).toBe('geometry');
    expect(out.elements.map((e) => e.id)).toEqual(['A', 'B', 'C', 's1', 's2']);
    expect(out.elements[0]).toMatchObject({ point: { x: 60, y: 240 }, text: 'A', region_id: 'r2' });
    expect(out.relations).toHaveLength(2); // C -> "missing" dropped
    expect(out.usage).toEqual({ calls: { anthropic: 1 }, input_tokens: 1520, output_tokens: 410, estimated_cost_usd: (1520 * 3 + 410 * 15) / 1e6 });
  });

  it('Claude: downsizes a large image to the 1568 px long edge and maps boxes back to the original', async () => {
    const { byName } = worker();
    const out = await byName('anthropic').analyse(await pngImage(3136, 1000), { signal: signal() });
    const sent = Buffer.from(claude.calls.at(-1)!.body.messages[0].content[0].source.data, 'base64');
    const meta = await sharp(sent).metadata();
    expect(meta.width).toBe(1568);
    expect(out.elements[0]!.point).toEqual({ x: 120, y: 480 });
  });

  it('Claude: an image of 3.75-5 MB (over 5 MB once base64-encoded) is re-encoded under the limit, not refused', async () => {
    // Noise does not compress: a 1400x1000 PNG of it is about 4.2 MB, within the long edge.
    const width = 1400;
    const height = 1000;
    const noise = randomBytes(width * height * 3);
    const big = await sharp(noise, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
    expect(big.length).toBeGreaterThan(3.75 * 1024 * 1024);
    expect(big.length).toBeLessThanOrEqual(5 * 1024 * 1024);
    expect(Math.ceil(big.length / 3) * 4).toBeGreaterThan(ANTHROPIC_MAX_IMAGE_BASE64);

    const { byName } = worker({ PROVIDER_TIMEOUT_SECONDS: '20' });
    const out = await byName('anthropic').analyse(big, { signal: signal() });
    const sent: string = claude.calls.at(-1)!.body.messages[0].content[0].source.data;
    expect(sent.length).toBeLessThanOrEqual(ANTHROPIC_MAX_IMAGE_BASE64);
    const meta = await sharp(Buffer.from(sent, 'base64')).metadata();
    expect(meta.width).toBeLessThan(width);
    // Boxes come back in the pixels of the image stage C was given.
    expect(out.elements[0]!.point!.x).toBeCloseTo(60 * (width / meta.width!), 1);
  });

  it('Claude: a tool input that fails validation is rejected, not trusted', async () => {
    const { byName } = worker();
    claudeAnswer = () => ({ toolInput: { diagram_type: 'geometry', regions: [{ id: 'r1', type: 'diagram', bbox: [0, 0, -5] }], elements: [{ id: 'A', type: 'hexagon', bbox: [0, 0, 1, 1] }] } });
    try {
      await expect(byName('anthropic').analyse(await pngImage(), { signal: signal() })).rejects.toMatchObject({ code: 'malformed_answer' });
    } finally {
      claudeAnswer = TOOL_ANSWER;
    }
  });

  it('Claude: a text answer is repaired with jsonrepair (fences, prose, trailing commas, single quotes, cut off) or rejected', async () => {
    const { byName } = worker();
    const analyse = async () => byName('anthropic').analyse(await pngImage(), { signal: signal() });
    try {
      claudeAnswer = () => 'Here you go: {"diagram_type": "geometry", "confidence": 0.8, "regions": [{"id": "r1", "type": "diagram", "bbox": [0, 0, 10, 10],},], "elements": [],}';
      await expect(analyse()).resolves.toMatchObject({ regions: [{ id: 'r1' }] });
      claudeAnswer = () => "```json\n{'diagram_type': 'geometry', 'regions': [], 'elements': [{'id': 'A', 'type': 'point', 'bbox': [1, 2, 3, 4], 'text': 'A'}]}\n```\nThat is all.";
      await expect(analyse()).resolves.toMatchObject({ elements: [{ id: 'A', text: 'A' }] });
      // Cut off at the token limit in the middle of the second element: the first one is kept.
      claudeAnswer = () => '{"diagram_type": "geometry", "regions": [{"id": "r1", "type": "diagram", "bbox": [0, 0, 10, 10]}], "elements": [{"id": "A", "type": "point", "bbox": [1, 2, 3, 4]}, {"id": "B", "type": "poi';
      const cut = await analyse();
      expect(cut.elements.map((e) => e.id)).toEqual(['A']);
      claudeAnswer = () => 'I cannot analyse this image.';
      await expect(analyse()).rejects.toMatchObject({ code: 'malformed_answer' });
    } finally {
      claudeAnswer = TOOL_ANSWER;
    }
  });

  it('Claude: 401 is a configuration error that names the variable; 529 overloaded is a retryable outage', async () => {
    const bad = worker({ ANTHROPIC_API_KEY: 'sk-ant-wrong-SECRET' });
    const err = (await bad.byName('anthropic').analyse(await pngImage(), { signal: signal() }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err.code).toBe('provider_unauthorized');
    expect(err.message).toContain('ANTHROPIC_API_KEY');
    expect(err.message).not.toContain('sk-ant-wrong');
    const { byName } = worker();
    claude.next({ kind: 'status', status: 529 }, 2);
    const before = claude.calls.length;
    await expect(byName('anthropic').analyse(await pngImage(), { signal: signal() })).rejects.toMatchObject({ code: 'provider_unavailable', status: 529 });
    expect(claude.calls.length - before).toBe(2); // first attempt + PROVIDER_MAX_RETRIES=1
  });

  it('Gemini: inlineData image with a JSON response schema, answer validated, tokens priced', async () => {
    const { byName } = worker();
    const out = await byName('gemini').analyse(await pngImage(), { signal: signal() });
    const call = gemini.calls.at(-1)!;
    expect(call.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(call.headers['x-goog-api-key']).toBe(GEMINI_FAKE_KEY);
    expect(call.body.contents[0].parts[0].inlineData.mimeType).toBe('image/png');
    expect(call.body.generationConfig).toMatchObject({ responseMimeType: 'application/json' });
    expect(call.body.generationConfig.responseJsonSchema ?? call.body.generationConfig.responseSchema).toBeDefined();
    expect(out.elements).toHaveLength(5);
    expect(out.usage).toEqual({ calls: { gemini: 1 }, input_tokens: 1290, output_tokens: 380, estimated_cost_usd: (1290 * 0.3 + 380 * 2.5) / 1e6 });
  });

  it('Gemini: a bad key (400 API_KEY_INVALID) is reported as unauthorized', async () => {
    const { byName, set } = worker({ GEMINI_API_KEY: 'AIza-wrong' });
    await expect(byName('gemini').analyse(await pngImage(), { signal: signal() })).rejects.toMatchObject({ code: 'provider_unauthorized' });
    expect((await set.breakers.read('gemini')).unauthorized).toBe(true);
  });
});

describe('vision answer validation', () => {
  it('drops invalid elements, lowers confidence for them, and keeps relations only between kept elements', () => {
    const answer = JSON.stringify({ ...VISION_OK_JSON, elements: [...VISION_OK_JSON.elements, { id: 'bad', type: 'hexagon', bbox: [0, 0, 1, 1] }] });
    const out = parseVisionAnswer('test', answer, 1);
    expect(out.elements.map((e) => e.id)).not.toContain('bad');
    expect(out.confidence).toBeLessThan(0.9);
    expect(() => parseVisionAnswer('test', '{"diagram_type":"geometry","regions":[],"elements":[{"id":1}]}', 1)).toThrow('no valid region or element');
  });
});
