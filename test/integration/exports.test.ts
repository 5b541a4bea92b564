/**
 * Every export format through the real service: the API and a worker in-process on the real
 * Redis, textbook/11 through all eight stages with the local providers, each format downloaded
 * from GET /v1/jobs/:id/exports/:format with its Content-Type and Content-Disposition, and the
 * same bytes the result document lists.
 */
import { EXPORT_CONTENT_TYPES, EXPORT_FORMATS, ResultDocument } from '@mpp/schemas';
import { readFixture } from '../support/fixtures';
import { startStack, submitFile, waitForJob, type Stack } from '../support/stack';

jest.setTimeout(180_000);

describe('exports over HTTP', () => {
  let stack: Stack;
  let jobId: string;

  beforeAll(async () => {
    stack = await startStack();
    const res = await submitFile(stack.baseUrl, readFixture('textbook', '11', 'img_problem.png'), {
      options: JSON.stringify({ export_formats: [...EXPORT_FORMATS], enable_human_review: false }),
    });
    expect(res.status).toBe(202);
    jobId = ((await res.json()) as { id: string }).id;
    const view = await waitForJob(stack.baseUrl, jobId);
    expect(view.status).toBe('completed');
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('serves every asked format with its content type, file name and listed size', async () => {
    const result = ResultDocument.parse(await (await fetch(`${stack.baseUrl}/v1/jobs/${jobId}/result`)).json());
    expect(result.exports.map((e) => e.format)).toEqual([...EXPORT_FORMATS]);
    for (const entry of result.exports) {
      const res = await fetch(`${stack.baseUrl}${entry.url}`);
      expect([entry.format, res.status]).toEqual([entry.format, 200]);
      const format = entry.format as (typeof EXPORT_FORMATS)[number];
      expect(res.headers.get('content-type')).toBe(EXPORT_CONTENT_TYPES[format].contentType);
      expect(res.headers.get('content-disposition')).toContain(`${jobId}.${EXPORT_CONTENT_TYPES[format].extension}`);
      const body = Buffer.from(await res.arrayBuffer());
      expect([entry.format, body.length]).toEqual([entry.format, entry.bytes]);
      if (format === 'docx') expect(body.subarray(0, 2).toString('latin1')).toBe('PK');
      if (format === 'html') expect(body.toString('utf8')).toMatch(/^<!DOCTYPE html>/);
      if (format === 'svg') expect(body.toString('utf8')).toMatch(/^<svg /);
      if (format === 'yaml') expect(body.toString('utf8')).toContain(`id: ${jobId}`);
    }
  });

  it("the json export is the API's result document for the same job", async () => {
    const fromApi = ResultDocument.parse(await (await fetch(`${stack.baseUrl}/v1/jobs/${jobId}/result`)).json());
    const exported = ResultDocument.parse(await (await fetch(`${stack.baseUrl}/v1/jobs/${jobId}/exports/json`)).json());
    expect(exported.graph).toEqual(fromApi.graph);
    expect(exported.regeneration).toEqual(fromApi.regeneration);
    expect(exported.confidence).toBe(fromApi.confidence);
    expect(exported.review?.review_required).toBe(false);
  });
});
