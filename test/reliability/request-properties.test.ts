/**
 * Properties of the request surface, checked with fast-check against the built API process (no
 * worker: accepted jobs just wait): whatever arrives (any JSON, any shape of submission, any
 * bytes as an image or as a body, any job id, header or query value), the answer is never a 5xx,
 * and every 4xx is application/problem+json whose `status` is the HTTP status. Valid options and
 * metadata round-trip: the job view shows the options as the schema normalises them and the
 * metadata exactly as sent. A failing case is printed with its seed, so it can be replayed.
 */
import fc from 'fast-check';
import { EXPORT_FORMATS, PipelineOptions, STAGE_IDS, STAGE_NAMES } from '@mpp/schemas';
import { smallPng } from './support/jobs';
import { REDIS_URL, deletePrefix, pipelineEnv, startApi, stopAll, uniquePrefix } from './support/processes';

interface Answer {
  status: number;
  body: unknown;
}

/** Reads the answer and checks the invariant every property shares. */
async function checked(res: Response): Promise<Answer> {
  const text = await res.text();
  if (res.status >= 500) throw new Error(`answered ${res.status}: ${text.slice(0, 300)}`);
  if (res.status >= 400) {
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(text) as { status: number; type: string; title: string };
    expect(problem).toMatchObject({ status: res.status, type: expect.any(String), title: expect.any(String) });
    return { status: res.status, body: problem };
  }
  return { status: res.status, body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
}

const png = smallPng(7_777);
const stageRefs = [...STAGE_IDS.filter((s) => s !== 'A'), ...Object.values(STAGE_NAMES).filter((n) => n !== 'ingestion'), 'b', 'c'];

/** Options the schema accepts, drawn from its whole domain. */
const validOptions = fc.record(
  {
    skip_stages: fc.subarray(stageRefs, { maxLength: 8 }),
    export_formats: fc.subarray([...EXPORT_FORMATS], { minLength: 1 }),
    enable_human_review: fc.boolean(),
    review_threshold: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x + 0),
    priority: fc.integer({ min: 1, max: 1000 }),
    timeout_seconds: fc.integer({ min: 1, max: 86_400 }),
    providers: fc.record({ B: fc.array(fc.constantFrom('mathpix', 'local'), { minLength: 1, maxLength: 5 }), C: fc.array(fc.constantFrom('anthropic', 'gemini', 'local'), { minLength: 1, maxLength: 5 }) }, { requiredKeys: [] }),
    alignment: fc.record({ base_alignment_threshold: fc.double({ min: 0, max: 1, noNaN: true }), position_weight: fc.double({ min: 0, max: 1, noNaN: true }), semantic_weight: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** Metadata of any unicode (lone surrogates and control characters included), within the 16 KiB bound (a top-level `__proto__` key is refused by design). */
const metadata = fc
  .dictionary(fc.string({ unit: 'binary', maxLength: 40 }), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 8 })
  .filter((m) => JSON.stringify(m).length <= 16_000 && !Object.hasOwn(m, '__proto__'));

describe('the request surface, by property', () => {
  const prefix = uniquePrefix('props');
  let url = '';
  const post = (body: string | FormData, headers: Record<string, string> = {}) => fetch(`${url}/v1/jobs`, { method: 'POST', body, headers }).then(checked);
  const postJson = (body: unknown, headers: Record<string, string> = {}) => post(JSON.stringify(body), { 'content-type': 'application/json', ...headers });
  beforeAll(async () => {
    url = (await startApi(pipelineEnv(REDIS_URL, prefix, { SERVER_MAX_REQUEST_SIZE_MB: '2' }))).url;
  });
  afterAll(async () => {
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('answers any JSON body with a 4xx problem (never a 5xx)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), async (body) => {
        expect((await postJson(body)).status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 150 },
    );
  });

  it('answers submissions of any shape with 202 or a 4xx problem', async () => {
    const field = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.string({ unit: 'binary' }));
    const submission = fc.record(
      {
        image_base64: fc.oneof(fc.constant(png.toString('base64')), fc.base64String(), fc.string({ unit: 'binary' })),
        image_url: fc.oneof(fc.webUrl(), fc.string()),
        options: fc.oneof(validOptions, fc.dictionary(fc.constantFrom('skip_stages', 'export_formats', 'priority', 'providers', 'timeout_seconds', 'review_threshold', 'x'), field)),
        metadata: fc.oneof(metadata, field),
        webhook_url: fc.oneof(fc.webUrl(), fc.string()),
        extra: field,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(submission, async (body) => {
        expect([202, 400, 413, 415, 422]).toContain((await postJson(body)).status);
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips any valid options and unicode metadata through the job view', async () => {
    await fc.assert(
      fc.asyncProperty(validOptions, metadata, async (options, meta) => {
        const accepted = await postJson({ image_base64: png.toString('base64'), options, metadata: meta });
        expect(accepted.status).toBe(202);
        const id = (accepted.body as { id: string }).id;
        const view = (await fetch(`${url}/v1/jobs/${id}`).then(checked)).body as { options: unknown; metadata: unknown };
        expect(view.options).toEqual(PipelineOptions.parse(options));
        expect(view.metadata).toEqual(JSON.parse(JSON.stringify(meta)));
      }),
      { numRuns: 60 },
    );
  });

  it('answers any bytes as an uploaded image, alone or behind PNG or JPEG magic, with 422 naming a check', async () => {
    const magic = fc.constantFrom(Buffer.alloc(0), png.subarray(0, 8), Buffer.from([0xff, 0xd8, 0xff, 0xe0]), png.subarray(0, 40));
    await fc.assert(
      fc.asyncProperty(magic, fc.uint8Array({ maxLength: 4096 }), async (head, tail) => {
        const form = new FormData();
        form.append('image', new Blob([Buffer.concat([head, tail])]), 'x.png');
        const answer = await post(form);
        expect(answer.status).toBe(422);
        expect((answer.body as { errors: Array<{ field: string }> }).errors[0]!.field).toMatch(/^(empty|format|corrupt|min_dimensions|max_dimensions)$/);
      }),
      { numRuns: 150 },
    );
  });

  it('answers any bytes as a JSON or multipart body with a 4xx problem', async () => {
    const contentType = fc.constantFrom('application/json', 'multipart/form-data; boundary=xyz', 'multipart/form-data', 'application/json; charset=latin1');
    await fc.assert(
      fc.asyncProperty(contentType, fc.uint8Array({ maxLength: 2048 }), async (type, bytes) => {
        const res = await fetch(`${url}/v1/jobs`, { method: 'POST', headers: { 'content-type': type }, body: Buffer.from(bytes) });
        expect((await checked(res)).status).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: 150 },
    );
  });

  it('answers any job id, wait value and Idempotency-Key with a problem or a job, never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), fc.string({ maxLength: 12 }), async (id, wait) => {
        const answer = await fetch(`${url}/v1/jobs/${encodeURIComponent(id)}?wait=${encodeURIComponent(wait)}`).then(checked);
        expect([400, 404]).toContain(answer.status);
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), async (key) => {
        expect([200, 202, 400]).toContain((await postJson({ image_base64: png.toString('base64') }, { 'idempotency-key': key })).status);
      }),
      { numRuns: 100 },
    );
  });
});
