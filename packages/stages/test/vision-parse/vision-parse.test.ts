/**
 * Stage C's contract with its providers: chain order, fallback recording, answer validation
 * (schema and element references), abort. Providers here are in-test doubles of our own
 * VisionProvider interface; the real local provider is tested with real pixels and tesseract in
 * @mpp/providers.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PipelineOptions, VisionParseOutput } from '@mpp/schemas';
import { AllProvidersFailedError, InvalidVisionResultError, visionParseStage } from '../../src/vision-parse';
import type { ProviderCallOptions, VisionProvider, VisionResult } from '../../src/context';
import { memoryStageContext } from '../support/memory-stage-context';

const IMAGE = readFileSync(path.join(__dirname, '../../../../test/fixtures/textbook/11/img_problem.png'));

const RESULT: VisionResult = {
  confidence: 0.8,
  diagram_type: 'geometry',
  regions: [{ id: 'diagram-1', type: 'diagram', bbox: { x: 808, y: 16, w: 201, h: 226 }, confidence: 0.85 }],
  elements: [
    { id: 'circle-1', type: 'circle', bbox: { x: 809, y: 41, w: 177, h: 177 }, confidence: 0.96, region_id: 'diagram-1', center: { x: 897, y: 129 }, radius: 88.3 },
    { id: 'pt-1', type: 'point', bbox: { x: 893, y: 125, w: 8, h: 8 }, confidence: 0.7, region_id: 'diagram-1', point: { x: 897, y: 129 }, text: 'X' },
  ],
  relations: [{ type: 'center_of', from: 'pt-1', to: 'circle-1', confidence: 0.7 }],
};

class RecordingProvider implements VisionProvider {
  readonly calls: { image: Buffer; opts: ProviderCallOptions }[] = [];
  constructor(readonly name: string, private readonly behaviour: () => Promise<unknown>) {}
  async analyse(image: Buffer, opts: ProviderCallOptions): Promise<VisionResult> {
    this.calls.push({ image, opts });
    return (await this.behaviour()) as VisionResult;
  }
}

const answering = (name: string, result: unknown = RESULT) => new RecordingProvider(name, async () => result);
const failing = (name: string, message: string) => new RecordingProvider(name, async () => { throw new Error(message); });

function context(vision: VisionProvider[], options: Record<string, unknown> = {}, signal?: AbortSignal) {
  const base = memoryStageContext({ image: IMAGE, ...(signal ? { signal } : {}) });
  return { ...base, options: PipelineOptions.parse(options), providers: { text: [], vision } };
}

describe('visionParseStage', () => {
  it('returns the first provider answer with provider name and duration, valid against the schema', async () => {
    const out = await visionParseStage({}, context([answering('local')]));
    expect(out.provider).toBe('local');
    expect(out.fallback_reason).toBeUndefined();
    expect(out.duration_ms).toBeGreaterThanOrEqual(0);
    expect(out.diagram_type).toBe('geometry');
    expect(out.elements).toHaveLength(2);
    expect(() => VisionParseOutput.parse(out)).not.toThrow();
  });

  it('hands the provider the image from loadImage and the job signal', async () => {
    const local = answering('local');
    const ctx = context([local]);
    await visionParseStage({}, ctx);
    expect(local.calls).toHaveLength(1);
    expect(local.calls[0]!.image.equals(IMAGE)).toBe(true);
    expect(local.calls[0]!.opts.signal).toBe(ctx.signal);
  });

  it('falls back to the next provider and records the failure as fallback_reason', async () => {
    const out = await visionParseStage({}, context([failing('anthropic', 'HTTP 529 overloaded'), answering('local')]));
    expect(out.provider).toBe('local');
    expect(out.fallback_reason).toBe('anthropic: HTTP 529 overloaded');
  });

  it('treats an answer that breaks the schema as a provider failure', async () => {
    const broken = answering('anthropic', { ...RESULT, regions: [{ id: 'r', type: 'photo', bbox: { x: 0, y: 0, w: 1, h: 1 }, confidence: 1 }] });
    const out = await visionParseStage({}, context([broken, answering('local')]));
    expect(out.provider).toBe('local');
    expect(out.fallback_reason).toMatch(/^anthropic: anthropic returned an invalid vision result: regions\.0\.type/);
  });

  it('treats relations that point at missing elements, or duplicate ids, as a provider failure', async () => {
    const dangling = answering('gemini', { ...RESULT, relations: [{ type: 'lies_on', from: 'pt-1', to: 'seg-9', confidence: 0.5 }] });
    const duplicated = answering('anthropic', { ...RESULT, elements: [RESULT.elements[0], { ...RESULT.elements[1], id: 'circle-1' }], relations: [] });
    const out = await visionParseStage({}, context([dangling, duplicated, answering('local')]));
    expect(out.provider).toBe('local');
    expect(out.fallback_reason).toContain('gemini: gemini returned an invalid vision result: relations: lies_on pt-1 -> seg-9 names an unknown element');
    expect(out.fallback_reason).toContain('anthropic: anthropic returned an invalid vision result: elements: duplicate id circle-1');
  });

  it('tries the providers named in options.providers.C first', async () => {
    const anthropic = answering('anthropic');
    const local = answering('local');
    const out = await visionParseStage({}, context([anthropic, local], { providers: { C: ['local'] } }));
    expect(out.provider).toBe('local');
    expect(anthropic.calls).toHaveLength(0);
  });

  it('throws AllProvidersFailedError when every provider fails', async () => {
    const err = await visionParseStage({}, context([failing('anthropic', 'down'), failing('local', 'broken')])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    expect((err as AllProvidersFailedError).failures).toEqual(['anthropic: down', 'local: broken']);
  });

  it('does not call a provider when the job is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled'));
    const local = answering('local');
    await expect(visionParseStage({}, context([local], {}, controller.signal))).rejects.toThrow('cancelled');
    expect(local.calls).toHaveLength(0);
  });

  it('exposes a named error class for invalid answers', () => {
    const err = new InvalidVisionResultError('gemini', 'regions: required', 'vision');
    expect(err.code).toBe('invalid_provider_result');
    expect(err.message).toBe('gemini returned an invalid vision result: regions: required');
  });
});
