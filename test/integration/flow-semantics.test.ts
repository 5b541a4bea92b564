/**
 * The flow's failure semantics: a stage that fails for good fails the job with that stage named,
 * within its retry budget, and nothing downstream runs or waits forever; skipped stages are
 * recorded as skipped and the rest works with what it has.
 */
import { readFixture } from '../support/fixtures';
import { startStack, submitFile, waitForJob, type Stack } from '../support/stack';

jest.setTimeout(120_000);

class PermanentTestError extends Error {
  readonly code = 'injected_permanent';
  readonly retryable = false;
}

describe('a stage that keeps failing', () => {
  let stack: Stack;
  const calls: Record<string, number> = { E: 0, B: 0 };
  beforeAll(async () => {
    stack = await startStack({
      worker: {
        handlers: {
          E: async () => {
            calls.E!++;
            throw new Error('injected failure in the graph builder');
          },
        },
      },
    });
  });
  afterAll(async () => stack?.close());

  it('fails the job with the stage, code and message after exactly its attempts', async () => {
    const res = await submitFile(stack.baseUrl, readFixture('textbook', '13', 'img_problem.png'));
    const { id } = (await res.json()) as { id: string };
    const view = await waitForJob(stack.baseUrl, id);
    expect(view.status).toBe('failed');
    expect(view.error).toEqual({ stage: 'E', code: 'stage_error', message: expect.stringContaining('injected failure') });
    expect(view.stages.E).toMatchObject({ status: 'failed', attempts: 2 });
    expect(calls.E).toBe(2);
    for (const s of ['F', 'G', 'H']) expect(view.stages[s].status).toBe('pending');
    expect(view.stages.D.status).toBe('completed');
    const result = await fetch(`${stack.baseUrl}/v1/jobs/${id}/result`);
    expect(result.status).toBe(409);
  });
});

describe('a permanent error and skipped stages', () => {
  let stack: Stack;
  let bCalls = 0;
  beforeAll(async () => {
    stack = await startStack({
      worker: {
        handlers: {
          B: async () => {
            bCalls++;
            throw new PermanentTestError('this image can never be read');
          },
        },
      },
    });
  });
  afterAll(async () => stack?.close());

  it('fails at once without retrying when the error says it is permanent', async () => {
    const res = await submitFile(stack.baseUrl, readFixture('textbook', '13', 'img_problem.png'));
    const { id } = (await res.json()) as { id: string };
    const view = await waitForJob(stack.baseUrl, id);
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ stage: 'B', code: 'injected_permanent' });
    expect(view.stages.B.attempts).toBe(1);
    expect(bCalls).toBe(1);
    expect(view.stages.D.status).toBe('pending');
  });

  it('records skipped stages and completes without them', async () => {
    const res = await submitFile(stack.baseUrl, readFixture('textbook', '13', 'img_problem.png'), {
      // Without B the confidence is low; this test is about skipping, not about review.
      options: JSON.stringify({ skip_stages: ['text_parse', 'F'], export_formats: ['json', 'markdown'], enable_human_review: false }),
    });
    const { id } = (await res.json()) as { id: string };
    const view = await waitForJob(stack.baseUrl, id);
    expect(view.status).toBe('completed');
    expect(view.stages.B.status).toBe('skipped');
    expect(view.stages.F.status).toBe('skipped');
    expect(view.options.skip_stages).toEqual(['B', 'F']);
    const result = (await (await fetch(`${stack.baseUrl}/v1/jobs/${id}/result`)).json()) as Record<string, any>;
    expect(result.text).toBeNull();
    expect(result.regeneration).toBeNull();
    expect(result.vision.regions.length).toBeGreaterThan(0);
  });
});
