/**
 * Stages D, E and F on what the real stages A, B and C (tesseract.js and the local geometry
 * reader, no fakes) make of the textbook and geometry fixtures, checked against the fixtures'
 * ground truth (logic_form.json) rather than against hand-built upstream outputs. The pipeline
 * runs once per file.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AlignmentOutput, jobConfidence, SemanticGraphOutput, type TextParseOutput } from '@mpp/schemas';
import { FORMULA_MISMATCH_BELOW, humanReviewStage } from '../../src/human-review';
import { regenerationStage } from '../../src/regeneration';
import { splitChunks } from '../../src/alignment/text-chunks';
import { closeRealProviders, FIXTURES, runRealPipeline, type PipelineOutputs } from '../support/real-pipeline';
import type { DownstreamContext } from '../support/downstream-context';

const TEXTBOOK = ['11', '12', '13', '15', '16', '17'];
const runs = new Map<string, { outputs: PipelineOutputs; ctx: DownstreamContext }>();

beforeAll(async () => {
  for (const n of TEXTBOOK) runs.set(`textbook/${n}`, await runRealPipeline(`textbook/${n}/img_problem.png`));
  runs.set('geometry/23', await runRealPipeline('geometry/23.jpg'));
}, 240_000);
afterAll(closeRealProviders);

const outputsOf = (key: string) => runs.get(key)!.outputs;
const truthOf = (n: string) => JSON.parse(readFileSync(path.join(FIXTURES, 'textbook', n, 'logic_form.json'), 'utf8')) as {
  diagram_logic_form: string[];
  point_positions: Record<string, [number, number]>;
};

/** Capital letters inside the math of B's text (`$AB = 30$`, `$\odot X$`): the points the text names. */
function pointsInText(text: TextParseOutput): Set<string> {
  const letters = new Set<string>();
  for (const chunk of splitChunks(text.text)) {
    if (!chunk.inMath) continue;
    const bare = chunk.text.replace(/\\[a-zA-Z]+/g, ' ');
    for (const m of bare.matchAll(/[A-Z]/g)) letters.add(m[0]);
  }
  return letters;
}

describe('alignment (D) on the real pipeline output', () => {
  test.each(TEXTBOOK)('textbook/%s: every point named in the text and drawn in the figure is paired with its diagram label', (n) => {
    const { B, C, D } = outputsOf(`textbook/${n}`);
    AlignmentOutput.parse(D);
    const drawn = new Set(Object.keys(truthOf(n).point_positions));
    const both = [...pointsInText(B)].filter((p) => drawn.has(p)).sort();
    const elements = new Map(C.elements.map((e) => [e.id, e]));
    for (const name of both) {
      const pairs = D.pairs.filter((p) => p.entity_id === `point:${name}`);
      const labelled = pairs.filter((p) => ['label', 'point'].includes(elements.get(p.element_id)?.type ?? '') && elements.get(p.element_id)?.text?.trim() === name);
      expect([name, labelled.length > 0, labelled.every((p) => p.score >= D.config.base_alignment_threshold)]).toEqual([name, true, true]);
    }
    // No point named in both is reported missing from the diagram.
    const missing = D.inconsistencies.filter((i) => i.type === 'label_missing_in_diagram').flatMap((i) => i.refs);
    for (const name of both) expect(missing).not.toContain(`point:${name}`);
  });

  test('textbook/11, 16 and 17 do name points in both (the check above is not vacuous there)', () => {
    expect([...pointsInText(outputsOf('textbook/11').B)].filter((p) => p in truthOf('11').point_positions).sort()).toEqual(['A', 'B', 'C', 'D', 'M', 'N', 'X', 'Y', 'Z']);
    expect([...pointsInText(outputsOf('textbook/16').B)].filter((p) => p in truthOf('16').point_positions).sort()).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect([...pointsInText(outputsOf('textbook/17').B)].filter((p) => p in truthOf('17').point_positions).sort()).toEqual(['M', 'N', 'P', 'Q']);
  });

  test('textbook/11: named objects go to the drawn chords and circle, and text and figure agree', () => {
    const { C, D } = outputsOf('textbook/11');
    const typeOf = (id: string) => C.elements.find((e) => e.id === id)?.type;
    const paired = (entity: string, type: string) => D.pairs.some((p) => p.entity_id === entity && typeOf(p.element_id) === type);
    for (const s of ['segment:AB', 'segment:CD', 'segment:AM', 'segment:BM', 'segment:CN', 'segment:DN']) expect([s, paired(s, 'segment')]).toEqual([s, true]);
    for (const o of ['circle:X', 'arc:CZ', 'arc:AB', 'arc:DZ']) expect([o, paired(o, 'circle')]).toEqual([o, true]);
    expect(D.alignment_score).toBeGreaterThan(0.9);
    expect(D.inconsistencies.filter((i) => i.severity !== 'info')).toEqual([]);
  });

  test('geometry/23 (a figure without names) aligns without inventing pairs', () => {
    const { D, E } = outputsOf('geometry/23');
    expect(D.pairs).toEqual([]);
    expect(E.validation.valid).toBe(true);
  });
});

describe('semantic graph (E) of textbook/11 from the real B and C outputs', () => {
  const graph = () => SemanticGraphOutput.parse(outputsOf('textbook/11').E);
  const has = (type: string, from: string, to: string) => graph().edges.some((e) => e.type === type && e.from === from && e.to === to);

  test('has points A B C D M N X Y Z, circle X centred at X, segments AB and CD with their ends', () => {
    const ids = new Set(graph().nodes.map((n) => n.id));
    for (const p of 'ABCDMNXYZ') expect([p, ids.has(`point:${p}`)]).toEqual([p, true]);
    expect(ids.has('circle:X')).toBe(true);
    expect(has('center_of', 'point:X', 'circle:X')).toBe(true);
    for (const [s, a, b] of [['AB', 'A', 'B'], ['CD', 'C', 'D']] as const) {
      expect(has('endpoint_of', `point:${a}`, `segment:${s}`) && has('endpoint_of', `point:${b}`, `segment:${s}`)).toBe(true);
    }
  });

  test('attaches AB = 30, CD = 30 and m(arc CZ) = 40 to the right nodes', () => {
    const g = graph();
    expect(g.facts.map((f) => [f.subject, f.relation, f.value])).toEqual([
      ['segment:AB', 'equals', 30],
      ['segment:CD', 'equals', 30],
      ['arc:CZ', 'measure_of', 40],
    ]);
    const node = (id: string) => g.nodes.find((n) => n.id === id);
    expect(node('segment:AB')?.props.length).toBe(30);
    expect(node('segment:CD')?.props.length).toBe(30);
    expect(node('arc:CZ')?.props.measure).toBe(40);
    expect(has('lies_on', 'arc:CZ', 'circle:X')).toBe(true);
  });

  test('takes the questions AM, MB, CN, ND, mDZ, mCD, mAB, mYB as targets', () => {
    expect(graph().targets).toEqual(['segment:AM', 'segment:BM', 'segment:CN', 'segment:DN', 'arc:DZ', 'arc:CD', 'arc:AB', 'arc:BY']);
  });

  test('agrees with the ground-truth incidences of logic_form.json', () => {
    let checked = 0;
    for (const form of truthOf('11').diagram_logic_form) {
      const onCircle = /^PointLiesOnCircle\((\w), Circle\((\w),/.exec(form);
      const onChord = /^PointLiesOnLine\((\w), Line\(([ABCD]), ([ABCD])\)\)$/.exec(form);
      if (onCircle) expect([form, has('lies_on', `point:${onCircle[1]}`, `circle:${onCircle[2]}`)]).toEqual([form, true]);
      else if (onChord) expect([form, has('lies_on', `point:${onChord[1]}`, `segment:${[onChord[2], onChord[3]].sort().join('')}`)]).toEqual([form, true]);
      else continue;
      checked++;
    }
    expect(checked).toBe(7);
  });

  test('every node and edge carries a confidence and its provenance; the graph validates', () => {
    const g = graph();
    for (const item of [...g.nodes, ...g.edges]) {
      expect(item.confidence).toBeGreaterThan(0);
      expect(item.provenance.length).toBeGreaterThan(0);
    }
    expect(g.validation).toEqual({ valid: true, issues: [] });
    expect(g.stats.nodes).toBe(g.nodes.length);
  });
});

describe('an unlabelled figure (textbook/13: a parallelogram and its diagonals, values but no names) as a graph', () => {
  const graph = () => SemanticGraphOutput.parse(outputsOf('textbook/13').E);
  const edgesOf = (type: string, to: string) => graph().edges.filter((e) => e.type === type && e.to === to).map((e) => e.from);

  test('C finds its four corners and the diagonals\' crossing as unnamed points, at most half sure', () => {
    const { C } = outputsOf('textbook/13');
    const points = C.elements.filter((e) => e.type === 'point');
    expect(points).toHaveLength(5);
    expect(points.every((p) => p.text === undefined && p.confidence <= 0.5)).toBe(true);
    // No segment is named after points nobody named.
    expect(C.elements.filter((e) => e.type === 'segment').every((s) => s.text === undefined)).toBe(true);
  });

  test('E has a node per point, each side ends at two of them, and the diagonals pass through the crossing', () => {
    const g = graph();
    const points = g.nodes.filter((n) => n.type === 'point');
    expect(points).toHaveLength(5);
    expect(points.every((p) => p.id.startsWith('point:#') && p.label === undefined && typeof p.props.x === 'number')).toBe(true);
    const segments = g.nodes.filter((n) => n.type === 'segment');
    const ended = segments.filter((s) => new Set(edgesOf('endpoint_of', s.id)).size === 2);
    // Four sides and two diagonals; the two leader lines from the values end at no point.
    expect(ended).toHaveLength(6);
    const crossing = points.filter((p) => g.edges.filter((e) => e.type === 'lies_on' && e.from === p.id).length === 2);
    expect(crossing).toHaveLength(1);
    const diagonals = g.edges.filter((e) => e.type === 'lies_on' && e.from === crossing[0]!.id).map((e) => e.to);
    for (const d of diagonals) expect(edgesOf('endpoint_of', d)).not.toContain(crossing[0]!.id);
    // Sides meeting at a corner end there; only the diagonals cross.
    const crossings = g.edges.filter((e) => e.type === 'intersects');
    expect(crossings.map((e) => [e.props.at, [e.from, e.to].sort()])).toEqual([[crossing[0]!.id, [...diagonals].sort()]]);
    expect(g.validation).toEqual({ valid: true, issues: [] });
  });

  test('D pairs none of the unnamed points with a name and lists them as unmatched', () => {
    const { C, D } = outputsOf('textbook/13');
    const points = C.elements.filter((e) => e.type === 'point').map((e) => e.id);
    expect(D.pairs.filter((p) => points.includes(p.element_id))).toEqual([]);
    expect(D.unmatched_elements).toEqual(expect.arrayContaining(points));
  });
});

describe('regeneration (F) round trip on the real pipeline output', () => {
  test('scores each formula and the diagram, and the scores feed the job confidence', () => {
    const { F, G } = outputsOf('textbook/11');
    expect(F.formulas.every((f) => typeof f.roundtrip_score === 'number')).toBe(true);
    expect(F.roundtrip.diagram_score).toBeGreaterThan(0.9);
    expect(G.job_confidence).toBe(jobConfidence({ ...outputsOf('textbook/11'), G: undefined }));
  });

  test.each(TEXTBOOK)('textbook/%s: the regenerated diagram matches the figure, checked in the regions that hold its shapes', (n) => {
    // textbook/16's page header is a coloured banner C reads as a figure larger than the diagram.
    const { C, F } = outputsOf(`textbook/${n}`);
    expect(F.roundtrip.diagram_score).toBeGreaterThan(0.85);
    const frame = /viewBox="([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)"/.exec(F.diagram_svg ?? '')!.slice(1).map(Number);
    const drawn = C.elements.filter((e) => e.type === 'segment' || e.type === 'circle');
    for (const e of drawn) {
      const [x, y, w, h] = frame as [number, number, number, number];
      const cx = e.bbox.x + e.bbox.w / 2;
      const cy = e.bbox.y + e.bbox.h / 2;
      expect([e.id, cx >= x && cx <= x + w && cy >= y && cy <= y + h]).toEqual([e.id, true]);
    }
  });

  test('formulas recognised with one letter changed score lower, and so does the job', async () => {
    const { outputs, ctx } = runs.get('textbook/11')!;
    // A letter read as a similar one: the kind of error a provider makes while claiming high confidence.
    const swaps: Record<string, string> = { ND: 'NB', CN: 'CM', AM: 'AN', 'm\\widehat{DZ}': 'm\\widehat{DX}' };
    const corrupted: TextParseOutput = {
      ...outputs.B,
      formulas: outputs.B.formulas.map((f) => ({ ...f, latex: swaps[f.latex] ?? f.latex })),
      text: Object.entries(swaps).reduce((text, [from, to]) => text.replace(`$${from}$`, `$${to}$`), outputs.B.text),
    };
    const F = await regenerationStage({ A: outputs.A, B: corrupted, C: outputs.C, E: outputs.E }, ctx);
    let changed = 0;
    outputs.B.formulas.forEach((f, i) => {
      const right = outputs.F.formulas[i]!.roundtrip_score!;
      const wrong = F.formulas[i]!.roundtrip_score!;
      if (swaps[f.latex]) {
        // The right reading passes its round trip; the swapped letter costs it (B and D, M and N differ by little ink).
        expect([f.latex, right >= FORMULA_MISMATCH_BELOW, right - wrong > 0.04]).toEqual([f.latex, true, true]);
        changed++;
      } else {
        expect(wrong).toBeCloseTo(right, 6);
      }
    });
    expect(changed).toBe(4);
    expect(F.roundtrip.formula_score!).toBeLessThan(outputs.F.roundtrip.formula_score!);
    expect(F.confidence).toBeLessThan(outputs.F.confidence);
    const G = await humanReviewStage({ ...outputs, B: corrupted, F }, ctx);
    expect(G.job_confidence).toBeLessThan(outputs.G.job_confidence);
  });

  test('a formula with one symbol wrong fails its round trip and sends a job that would pass to review', async () => {
    const { outputs, ctx } = runs.get('textbook/11')!;
    // The job as it would be with only the formulas whose right reading passes its round trip
    // (the book's large circled dot is not MathJax's small \odot, so `\odot X` never passes).
    const passing = outputs.B.formulas.filter((_, i) => outputs.F.formulas[i]!.roundtrip_score! >= FORMULA_MISMATCH_BELOW);
    expect(passing.map((f) => f.latex)).toEqual(expect.arrayContaining(['AM', 'MB', 'CN', 'ND']));
    const clean: TextParseOutput = { ...outputs.B, formulas: passing };
    const F = await regenerationStage({ A: outputs.A, B: clean, C: outputs.C, E: outputs.E }, ctx);
    const G = await humanReviewStage({ ...outputs, B: clean, F }, ctx);
    expect(G).toMatchObject({ review_required: false, status: 'not_required' });

    const at = passing.findIndex((f) => f.latex === 'CN');
    const misread: TextParseOutput = { ...clean, formulas: passing.map((f, i) => (i === at ? { ...f, latex: 'BN' } : f)) };
    const wrongF = await regenerationStage({ A: outputs.A, B: misread, C: outputs.C, E: outputs.E }, ctx);
    expect(wrongF.formulas[at]!.roundtrip_score!).toBeLessThan(FORMULA_MISMATCH_BELOW);
    const wrongG = await humanReviewStage({ ...outputs, B: misread, F: wrongF }, ctx);
    // Still confident overall: the failed round trip alone routes it to a person.
    expect(wrongG.job_confidence).toBeGreaterThanOrEqual(wrongG.threshold);
    expect(wrongG).toMatchObject({ review_required: true, status: 'required' });
    expect(wrongG.reasons.filter((r) => r.code === 'roundtrip_mismatch').map((r) => r.refs)).toEqual([[`formula:${at + 1}`]]);
  });

  test('formulas tied to the wrong regions (each read as its neighbour) score low, and F and the job lose confidence', async () => {
    const { outputs, ctx } = runs.get('textbook/11')!;
    const n = outputs.B.formulas.length;
    const shifted: TextParseOutput = { ...outputs.B, formulas: outputs.B.formulas.map((f, i) => ({ ...f, latex: outputs.B.formulas[(i + 1) % n]!.latex })) };
    const F = await regenerationStage({ A: outputs.A, B: shifted, C: outputs.C, E: outputs.E }, ctx);
    expect(outputs.F.roundtrip.formula_score! - F.roundtrip.formula_score!).toBeGreaterThan(0.15);
    const G = await humanReviewStage({ ...outputs, B: shifted, F }, ctx);
    // Half of F's formula part is its worst formula, which the right reading's `\odot X` already holds
    // at no evidence, so the shift moves the other half only.
    expect(outputs.F.confidence - F.confidence).toBeGreaterThan(0.1);
    // F is now the weakest stage, which weighs most in the job's confidence.
    expect(F.confidence).toBeLessThan(Math.min(outputs.B.confidence, outputs.C.confidence, outputs.D.confidence, outputs.E.confidence));
    expect(outputs.G.job_confidence - G.job_confidence).toBeGreaterThan(0.05);
    // Most formulas now fail their own round trip, each named for the reviewer.
    const failed = F.formulas.filter((f) => f.roundtrip_score! < FORMULA_MISMATCH_BELOW).length;
    expect(failed).toBeGreaterThanOrEqual(Math.ceil(n / 2));
    expect(G.reasons.filter((r) => r.code === 'roundtrip_mismatch')).toHaveLength(failed);
    expect(G.review_required).toBe(true);
  });
});
