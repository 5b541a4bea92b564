import sharp from 'sharp';
import { RegenerationOutput, TextParseOutput } from '@mpp/schemas';
import { matchEvidence } from '../../src/regeneration/confidence';
import { MAX_RENDERED_FORMULAS, regenerationStage } from '../../src/regeneration';
import { memoryStageContext } from '../support/memory-stage-context';
import { DIAGRAM_REGION, buildPage, graphOutput, ingestionOutput, textOutput, visionOutput } from './upstream-fixtures';

describe('regenerationStage', () => {
  let page: Buffer;
  beforeAll(async () => {
    page = await buildPage();
  });

  it('regenerates the document, formula SVGs, TikZ and diagram SVG from B and C, and scores the round trip', async () => {
    const ctx = memoryStageContext({ image: page });
    const out = RegenerationOutput.parse(await regenerationStage({ A: ingestionOutput(), B: textOutput(), C: visionOutput() }, ctx));

    expect(out.provider).toBe('mathjax');
    const [right, misread, broken] = out.formulas;
    expect(right).toMatchObject({ latex: 'AB = 30', svg: expect.stringContaining('<svg') });
    expect(misread).toMatchObject({ latex: 'm\\widehat{CZ} = 41', svg: expect.stringContaining('<svg') });
    expect(broken).toEqual({ latex: '\\frac{1}{', error: 'Missing close brace' });
    expect(right!.roundtrip_score).toBeGreaterThan(0.95);
    expect(misread!.roundtrip_score).toBeLessThan(right!.roundtrip_score!);

    expect(out.latex_document).toContain('In $\\odot X$, $AB = 30$ and $m\\widehat{CZ} = 41$. \\\\\nFind 5\\% of the\\_total \\& more:');
    expect(out.latex_document).toContain('\\begin{tikzpicture}');
    expect(out.diagram_tikz).toContain('circle [radius=');
    expect(out.diagram_svg).toMatch(new RegExp(`viewBox="${DIAGRAM_REGION.x} ${DIAGRAM_REGION.y} ${DIAGRAM_REGION.w} ${DIAGRAM_REGION.h}"`));

    const { formula_score, diagram_score, overall } = out.roundtrip;
    expect(formula_score).toBeCloseTo((right!.roundtrip_score! + misread!.roundtrip_score!) / 2, 10);
    expect(diagram_score).toBeGreaterThan(0.8);
    expect(overall).toBeCloseTo((formula_score! + diagram_score!) / 2, 10);
    // The formulas' evidence (the one that does not parse counts 0), half its worst and half its mean, averaged with the diagram's.
    const formulaEvidence = 0.5 * 0 + 0.5 * ((matchEvidence(right!.roundtrip_score!) + matchEvidence(misread!.roundtrip_score!) + 0) / 3);
    expect(out.confidence).toBeCloseTo((formulaEvidence + matchEvidence(diagram_score!)) / 2, 10);
  });

  it('draws the diagram from the semantic graph when stage E ran', async () => {
    const ctx = memoryStageContext({ image: page });
    const out = RegenerationOutput.parse(await regenerationStage({ C: visionOutput(), E: graphOutput() }, ctx));
    // The graph has chord AB only; C also saw CD, which the regenerated diagram therefore lacks.
    expect(out.diagram_svg!.match(/<line /g)).toHaveLength(1);
    const withBothChords = RegenerationOutput.parse(await regenerationStage({ C: visionOutput() }, memoryStageContext({ image: page })));
    expect(out.roundtrip.diagram_score!).toBeLessThan(withBothChords.roundtrip.diagram_score!);
  });

  it('works with every upstream stage skipped', async () => {
    const out = RegenerationOutput.parse(await regenerationStage({}, memoryStageContext()));
    expect(out).toMatchObject({ formulas: [], roundtrip: {}, confidence: 1 });
    expect(out.latex_document).toContain('% Nothing was recognised.');
    expect(out.diagram_svg).toBeUndefined();
  });

  it('still regenerates when the image cannot be loaded, without round-trip scores', async () => {
    const ctx = memoryStageContext();
    const out = RegenerationOutput.parse(await regenerationStage({ B: textOutput(), C: visionOutput() }, ctx));
    expect(out.roundtrip).toEqual({});
    expect(out.formulas.every((f) => f.roundtrip_score === undefined)).toBe(true);
    expect(out.diagram_svg).toBeDefined();
    // Two rendered formulas not doubted (1) and one that does not parse (0): half the worst, half the mean.
    expect(out.confidence).toBeCloseTo(0.5 * 0 + 0.5 * (2 / 3), 10);
  });

  it(`renders at most ${MAX_RENDERED_FORMULAS} formulas and lists the rest with an error, keeping B's order`, async () => {
    const formulas = Array.from({ length: MAX_RENDERED_FORMULAS + 3 }, (_, i) => ({ latex: `x_{${i}}`, confidence: 0.9 }));
    const text = TextParseOutput.parse({ provider: 'local', confidence: 0.9, duration_ms: 1, text: '', lines: [], formulas });
    const out = RegenerationOutput.parse(await regenerationStage({ B: text }, memoryStageContext()));
    expect(out.formulas).toHaveLength(MAX_RENDERED_FORMULAS + 3);
    expect(out.formulas[MAX_RENDERED_FORMULAS - 1]).toMatchObject({ latex: `x_{${MAX_RENDERED_FORMULAS - 1}}`, svg: expect.any(String) });
    expect(out.formulas[MAX_RENDERED_FORMULAS]).toEqual({ latex: `x_{${MAX_RENDERED_FORMULAS}}`, error: expect.stringMatching(/more than 200 formulas/) });
  });

  it('stops when the job is cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new Error('job cancelled'));
    const ctx = memoryStageContext({ image: page, signal: controller.signal });
    await expect(regenerationStage({ B: textOutput() }, ctx)).rejects.toThrow('job cancelled');
  });

  it('scores only what lies inside the image when regions run past its edges', async () => {
    const leftPart = await sharp(page).extract({ left: 0, top: 0, width: 400, height: 200 }).png().toBuffer();
    const out = RegenerationOutput.parse(await regenerationStage({ B: textOutput(), C: visionOutput() }, memoryStageContext({ image: leftPart })));
    // The diagram region lies wholly outside: no diagram score; the formulas are still scored.
    expect(out.roundtrip.diagram_score).toBeUndefined();
    expect(out.formulas[0]!.roundtrip_score).toBeGreaterThan(0.9);

    const cutThroughDiagram = await sharp(page).extract({ left: 0, top: 0, width: 720, height: 300 }).png().toBuffer();
    const partial = RegenerationOutput.parse(await regenerationStage({ C: visionOutput() }, memoryStageContext({ image: cutThroughDiagram })));
    expect(partial.roundtrip.diagram_score).toBeGreaterThan(0.8);
  });
});
