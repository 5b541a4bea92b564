/**
 * Stage B's contract with its providers: chain order, fallback recording, answer validation,
 * abort. Providers here are in-test doubles of our own TextProvider interface; the real local
 * provider is tested with real tesseract in @mpp/providers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PipelineOptions, TextParseOutput } from '@mpp/schemas';
import { AllProvidersFailedError, textParseStage } from '../../src/text-parse';
import type { ProviderCallOptions, TextProvider, TextResult } from '../../src/context';
import { memoryStageContext } from '../support/memory-stage-context';

const IMAGE = readFileSync(path.join(__dirname, '../../../../test/fixtures/textbook/11/img_problem.png'));

const RESULT: TextResult = {
  text: 'Find each measure.',
  confidence: 0.9,
  lines: [{ text: 'Find each measure.', bbox: { x: 13, y: 52, w: 280, h: 23 }, confidence: 0.9, type: 'text', words: [] }],
  formulas: [],
};

class RecordingProvider implements TextProvider {
  readonly calls: { image: Buffer; opts: ProviderCallOptions }[] = [];
  constructor(readonly name: string, private readonly behaviour: () => Promise<unknown>) {}
  async parse(image: Buffer, opts: ProviderCallOptions): Promise<TextResult> {
    this.calls.push({ image, opts });
    return (await this.behaviour()) as TextResult;
  }
}

const answering = (name: string, result: TextResult = RESULT) => new RecordingProvider(name, async () => result);
const failing = (name: string, message: string) => new RecordingProvider(name, async () => { throw new Error(message); });

function context(text: TextProvider[], options: Record<string, unknown> = {}, signal?: AbortSignal) {
  const base = memoryStageContext({ image: IMAGE, ...(signal ? { signal } : {}) });
  return { ...base, options: PipelineOptions.parse(options), providers: { text, vision: [] } };
}

describe('textParseStage', () => {
  it('returns the first provider answer with provider name and duration, valid against the schema', async () => {
    const local = answering('local');
    const out = await textParseStage({}, context([local]));
    expect(out.provider).toBe('local');
    expect(out.fallback_reason).toBeUndefined();
    expect(out.duration_ms).toBeGreaterThanOrEqual(0);
    expect(out.text).toBe('Find each measure.');
    expect(() => TextParseOutput.parse(out)).not.toThrow();
  });

  it('hands the provider the image from loadImage and the job signal', async () => {
    const local = answering('local');
    const ctx = context([local]);
    await textParseStage({}, ctx);
    expect(local.calls).toHaveLength(1);
    expect(local.calls[0]!.image.equals(IMAGE)).toBe(true);
    expect(local.calls[0]!.opts.signal).toBe(ctx.signal);
  });

  it('falls back to the next provider and records the failure as fallback_reason', async () => {
    const out = await textParseStage({}, context([failing('mathpix', 'HTTP 401 invalid app_key'), answering('local')]));
    expect(out.provider).toBe('local');
    expect(out.fallback_reason).toBe('mathpix: HTTP 401 invalid app_key');
  });

  it('treats an answer that breaks the schema as a provider failure', async () => {
    const broken = new RecordingProvider('mathpix', async () => ({ text: 'x', confidence: 7, lines: [], formulas: [] }));
    const out = await textParseStage({}, context([broken, answering('local')]));
    expect(out.provider).toBe('local');
    expect(out.fallback_reason).toMatch(/^mathpix: mathpix returned an invalid text result: confidence/);
  });

  it('tries the providers named in options.providers.B first', async () => {
    const mathpix = answering('mathpix');
    const local = answering('local');
    const out = await textParseStage({}, context([mathpix, local], { providers: { B: ['local'], C: ['local'] } }));
    expect(out.provider).toBe('local');
    expect(mathpix.calls).toHaveLength(0);
  });

  it('throws AllProvidersFailedError when every provider fails', async () => {
    const err = await textParseStage({}, context([failing('mathpix', 'down'), failing('local', 'broken')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect((err as AllProvidersFailedError).code).toBe('providers_exhausted');
    expect((err as AllProvidersFailedError).retryable).toBe(true);
  });

  it('does not call a provider when the job is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const local = answering('local');
    await expect(textParseStage({}, context([local], {}, controller.signal))).rejects.toThrow('cancelled');
    expect(local.calls).toHaveLength(0);
  });
});
