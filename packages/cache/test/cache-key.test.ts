/**
 * What splits the stage cache and what does not: a key changes with everything that changes the
 * stage's answer (its inputs, the options and settings it reads, its providers' versions) and
 * with nothing else, so a job never gets an answer made for another job's weights, another
 * model, or an upstream answer since recomputed.
 */
import { stageCacheKey, type StageCacheKeyInput } from '@mpp/cache';
import { PipelineOptions, type StageId } from '@mpp/schemas';

const A = { provider: 'sharp', confidence: 1, duration_ms: 40, image_ref: 'sha256:' + 'a'.repeat(64), sha256: 'a'.repeat(64), width: 64, height: 64 };
const B = { provider: 'mathpix', confidence: 0.9, duration_ms: 900, text: 'Find $x$.', lines: [], formulas: [], usage: { calls: 1, cost_usd: 0.004 } };
const C = { provider: 'local', confidence: 0.8, duration_ms: 700, diagram_type: 'none', regions: [], elements: [], relations: [] };
const D = { provider: 'builtin', confidence: 0.7, duration_ms: 2, entities: [], pairs: [], alignment_score: 1 };
const E = { provider: 'builtin', confidence: 0.7, duration_ms: 2, nodes: [], edges: [], facts: [] };

const SETTINGS = { reviewThreshold: 0.7, alignment: { base_alignment_threshold: 0.6, position_weight: 0.4, semantic_weight: 0.6 }, maxImageDimension: 4096, minImageDimension: 16, maxImageBytes: 10_000_000 };
const PROVIDERS = { text: [{ name: 'mathpix', version: 'https://api.mathpix.com' }, { name: 'local', version: 'tesseract.js 7.0.0' }], vision: [{ name: 'anthropic', version: 'claude-sonnet-4-5 at https://api.anthropic.com' }, { name: 'local' }] };

function key(stage: StageId, change: Partial<StageCacheKeyInput> = {}): string {
  return stageCacheKey({ stage, inputs: { A, B, C, D, E }, originalRef: 'sha256:' + 'f'.repeat(64), options: PipelineOptions.parse({}), settings: SETTINGS, providers: PROVIDERS, pipelineVersion: '2.0.0', ...change });
}
const options = (o: Record<string, unknown>) => PipelineOptions.parse(o);
const CACHEABLE: StageId[] = ['B', 'C', 'D', 'E', 'F'];

describe('stage cache keys', () => {
  it("follow a job's own alignment weights for D, and nothing else's key", () => {
    const weighted = options({ alignment: { position_weight: 0.9, semantic_weight: 0.1 } });
    expect(key('D', { options: weighted })).not.toBe(key('D'));
    expect(key('D', { settings: { ...SETTINGS, alignment: { ...SETTINGS.alignment, base_alignment_threshold: 0.8 } } })).not.toBe(key('D'));
    for (const s of ['B', 'C', 'E', 'F'] as const) expect(key(s, { options: weighted })).toBe(key(s));
  });

  it("follow each provider's version: a new model or endpoint is a new key for its stage only", () => {
    const newModel = { ...PROVIDERS, vision: [{ name: 'anthropic', version: 'claude-opus-4-1 at https://api.anthropic.com' }, { name: 'local' }] };
    const newUrl = { ...PROVIDERS, text: [{ name: 'mathpix', version: 'https://eu-central-1.api.mathpix.com' }, PROVIDERS.text[1]!] };
    expect(key('C', { providers: newModel })).not.toBe(key('C'));
    expect(key('B', { providers: newModel })).toBe(key('B'));
    expect(key('B', { providers: newUrl })).not.toBe(key('B'));
    expect(key('C', { providers: newUrl })).toBe(key('C'));
  });

  it('follow the upstream answers of D, E and F, so a recomputed B gives them new keys', () => {
    const newB = { inputs: { A, B: { ...B, text: 'Find $y$.' }, C, D, E } };
    for (const s of ['D', 'E', 'F'] as const) expect(key(s, newB)).not.toBe(key(s));
    expect(key('C', newB)).toBe(key('C'));
    expect(key('F', { inputs: { A, B, C, D, E: { ...E, facts: ['AB = 30'] } } })).not.toBe(key('F'));
    // Stage inputs only: F does not read D, so a new D alone leaves F's key.
    expect(key('F', { inputs: { A, B, C, D: { ...D, alignment_score: 0.5 }, E } })).toBe(key('F'));
  });

  it('ignore what differs between two runs of the same work: timing and usage', () => {
    const rerun = { inputs: { A: { ...A, duration_ms: 3 }, B: { ...B, duration_ms: 5, usage: undefined }, C: { ...C, duration_ms: 1 }, D, E: { ...E, duration_ms: 9 } } };
    for (const s of CACHEABLE) expect(key(s, rerun)).toBe(key(s));
  });

  it("read the image through A's output, and the upload itself when A was skipped", () => {
    const withoutA = { inputs: { B, C, D, E } };
    expect(key('B', withoutA)).not.toBe(key('B'));
    expect(key('B', { ...withoutA, originalRef: 'sha256:' + '0'.repeat(64) })).not.toBe(key('B', withoutA));
    expect(key('B', { originalRef: 'sha256:' + '0'.repeat(64) })).toBe(key('B')); // A's normalised copy is what B reads
    expect(key('D', { originalRef: 'sha256:' + '0'.repeat(64) })).toBe(key('D')); // D never reads the image
  });

  it('are not split by options or settings a stage does not read', () => {
    const unrelated = options({ export_formats: ['json', 'latex'], priority: 3, timeout_seconds: 60, review_threshold: 0.2, enable_human_review: false, skip_stages: ['G'] });
    const settings = { ...SETTINGS, reviewThreshold: 0.1, maxImageDimension: 2048 };
    for (const s of CACHEABLE) expect(key(s, { options: unrelated, settings })).toBe(key(s));
    expect(key('B', { options: options({ providers: { C: ['local'] } }) })).toBe(key('B'));
    expect(key('C', { options: options({ providers: { C: ['local'] } }) })).not.toBe(key('C'));
  });

  it('are split by a setting nobody has classified yet, for every stage', () => {
    for (const s of CACHEABLE) expect(key(s, { settings: { ...SETTINGS, newKnob: 1 } })).not.toBe(key(s));
  });

  it('change with the code version', () => {
    for (const s of CACHEABLE) expect(key(s, { pipelineVersion: '2.0.1' })).not.toBe(key(s));
  });
});
