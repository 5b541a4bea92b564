import { AlignmentOutput, VisionParseOutput } from '@mpp/schemas';
import { alignmentStage, DEFAULT_ALIGNMENT_CONFIG } from '../../src/alignment';
import { downstreamContext } from '../support/downstream-context';
import { LABEL_CENTRES, labelElement, textbook11Text, textbook11Vision } from '../support/textbook11-upstream';

const ALL_LABELS = Object.keys(LABEL_CENTRES);

describe('alignment stage (D)', () => {
  test('pairs every point named in both the text and the diagram with its label', async () => {
    const out = AlignmentOutput.parse(await alignmentStage({ B: textbook11Text(), C: textbook11Vision() }, downstreamContext()));
    for (const name of ALL_LABELS) {
      expect(out.pairs).toContainEqual(expect.objectContaining({ entity_id: `point:${name}`, element_id: `label_${name}` }));
    }
    expect(out.provider).toBe('builtin');
    expect(out.config).toEqual({ base_alignment_threshold: 0.6, position_weight: 0.4, semantic_weight: 0.6 });
  });

  test('ties named segments to the drawn chords and the circle to circle X, arcs to that circle', async () => {
    const out = await alignmentStage({ B: textbook11Text(), C: textbook11Vision() }, downstreamContext());
    const pairOf = (entity: string) => out.pairs.filter((p) => p.entity_id === entity).map((p) => p.element_id);
    expect(pairOf('segment:AB')).toEqual(['seg_AB']);
    expect(pairOf('segment:CD')).toEqual(['seg_CD']);
    expect(pairOf('segment:AM')).toEqual(['seg_AB']);
    expect(pairOf('circle:X')).toEqual(['circle_1']);
    expect(pairOf('arc:CZ')).toEqual(['circle_1']);
    for (const p of out.pairs) {
      expect(p.score).toBeCloseTo(0.4 * p.position_score + 0.6 * p.semantic_score, 2);
      expect(p.score).toBeGreaterThanOrEqual(0.6);
    }
  });

  test('scores a consistent problem high and reports nothing worse than info', async () => {
    const out = await alignmentStage({ B: textbook11Text(), C: textbook11Vision() }, downstreamContext());
    expect(out.inconsistencies.filter((i) => i.severity !== 'info')).toEqual([]);
    expect(out.unmatched_entities).toEqual([]);
    expect(out.alignment_score).toBeGreaterThan(0.9);
    expect(out.confidence).toBeGreaterThan(0.9);
  });

  test('reports a point the text names but no diagram label shows', async () => {
    const out = await alignmentStage({ B: textbook11Text(), C: textbook11Vision({ omitLabels: ['N'] }) }, downstreamContext());
    const missing = out.inconsistencies.filter((i) => i.type === 'label_missing_in_diagram');
    expect(missing).toEqual([expect.objectContaining({ severity: 'warning', refs: ['point:N'] })]);
    expect(out.unmatched_entities).toContain('point:N');
    const complete = await alignmentStage({ B: textbook11Text(), C: textbook11Vision() }, downstreamContext());
    expect(out.confidence).toBeLessThan(complete.confidence);
  });

  test('grades missing labels as an error when most of the text points are missing', async () => {
    const out = await alignmentStage({ B: textbook11Text(), C: textbook11Vision({ omitLabels: ['A', 'B', 'C', 'D', 'M', 'N'] }) }, downstreamContext());
    const missing = out.inconsistencies.filter((i) => i.type === 'label_missing_in_diagram');
    expect(missing).toHaveLength(6);
    expect(missing.every((i) => i.severity === 'error')).toBe(true);
  });

  test('lists diagram labels the text never mentions as info', async () => {
    const extra = [labelElement('label_P', 'P', [1010, 250])];
    const out = await alignmentStage({ B: textbook11Text(), C: textbook11Vision({ extra }) }, downstreamContext());
    expect(out.inconsistencies).toContainEqual(expect.objectContaining({ type: 'label_not_in_text', severity: 'info', refs: ['label_P'] }));
    expect(out.unmatched_elements).toContain('label_P');
  });

  test('flags a value in the text that contradicts the value marked on the same segment', async () => {
    // "15" printed above the middle of AM, the part of chord AB left of M.
    const extra = [labelElement('label_15', '15', [866, 50])];
    const text = textbook11Text('In $\\odot X$, $AM = 12$. Find $MB$.');
    const out = await alignmentStage({ B: text, C: textbook11Vision({ extra }) }, downstreamContext());
    expect(out.inconsistencies).toContainEqual(expect.objectContaining({ type: 'value_conflict', severity: 'error', refs: ['value:1', 'label_15'] }));
  });

  test('pairs a value in the text with the same value marked on its segment', async () => {
    const extra = [labelElement('label_15', '15', [866, 50])];
    const text = textbook11Text('In $\\odot X$, $AM = 15$. Find $MB$.');
    const out = await alignmentStage({ B: text, C: textbook11Vision({ extra }) }, downstreamContext());
    expect(out.pairs).toContainEqual(expect.objectContaining({ entity_id: 'value:1', element_id: 'label_15', semantic_score: 1 }));
    expect(out.inconsistencies.some((i) => i.type === 'value_conflict')).toBe(false);
  });

  test('flags a text that gives one object two different values', async () => {
    const out = await alignmentStage({ B: textbook11Text('$AB = 30$ and $AB = 32$.'), C: textbook11Vision() }, downstreamContext());
    expect(out.inconsistencies).toContainEqual(expect.objectContaining({ type: 'value_conflict', severity: 'error', refs: ['value:1', 'value:2'] }));
  });

  test('ties a variable the question asks for to the value expressions of the figure that use it (textbook/18)', async () => {
    const extra = [labelElement('label_x', '4x-17', [866, 50]), labelElement('label_y', '(3y+3)°', [923, 236])];
    const text = textbook11Text('Find $x$ and $y$ so that the quadrilateral is a parallelogram.');
    const out = await alignmentStage({ B: text, C: textbook11Vision({ extra }) }, downstreamContext());
    expect(out.pairs).toContainEqual(expect.objectContaining({ entity_id: 'variable:x', element_id: 'label_x', semantic_score: 0.7 }));
    expect(out.pairs).toContainEqual(expect.objectContaining({ entity_id: 'variable:y', element_id: 'label_y' }));
    expect(out.alignment_score).toBeGreaterThan(0.5);
  });

  test('takes each exercise of a worksheet on its own: values of different exercises do not conflict', async () => {
    // The text of textbook/16 as the local provider reads it: four exercises on one figure.
    const sheet = [
      'Practice and Problem Solving Extra Practice is on page R7.',
      'Example 1 10. If $AB = 6$, $BC = 4$, and $AE = 9$, find $ED$.',
      '',
      '@ $1f$ $AB = 12$, $AC = 16$, $ED = 5$, find $AE$. 15',
      '12. If $AC = 14$, $BC = 8$, and $AD = 21$, find $ED$. 12',
      '13. If $AD = 27$, $AB = 8$, and $AE = 12$, find $BC$. 10',
    ].join('\n');
    const out = await alignmentStage({ B: textbook11Text(sheet), C: textbook11Vision() }, downstreamContext());
    expect(out.inconsistencies.filter((i) => i.type === 'value_conflict' && i.refs.every((r) => r.startsWith('value:')))).toEqual([]);
    // Within one exercise, two values still conflict.
    const twice = await alignmentStage({ B: textbook11Text(`${sheet}\n14. If $AB = 6$ and $AB = 7$, find $AC$.`), C: textbook11Vision() }, downstreamContext());
    expect(twice.inconsistencies.filter((i) => i.type === 'value_conflict' && i.refs.every((r) => r.startsWith('value:')))).toHaveLength(1);
  });

  test('reads a degree label beside the circle as the measure of the arc it sits on', async () => {
    // "40°" printed outside the circle between C and Z.
    const agrees = await alignmentStage({ B: textbook11Text(), C: textbook11Vision({ extra: [labelElement('label_40', '40°', [923, 236])] }) }, downstreamContext());
    expect(agrees.pairs).toContainEqual(expect.objectContaining({ entity_id: 'value:3', element_id: 'label_40' }));
    const contradicts = await alignmentStage({ B: textbook11Text(), C: textbook11Vision({ extra: [labelElement('label_50', '50°', [923, 236])] }) }, downstreamContext());
    expect(contradicts.inconsistencies).toContainEqual(expect.objectContaining({ type: 'value_conflict', refs: ['value:3', 'label_50'] }));
  });

  test('applies the job override of the threshold and normalises the weights', async () => {
    const ctx = downstreamContext({ alignment: { base_alignment_threshold: 0.95, position_weight: 2 / 3 } });
    const out = await alignmentStage({ B: textbook11Text(), C: textbook11Vision() }, ctx);
    expect(out.config.base_alignment_threshold).toBe(0.95);
    expect(out.config.position_weight + out.config.semantic_weight).toBeCloseTo(1, 9);
    expect(out.config.position_weight).toBeCloseTo(0.5263, 3);
    expect(out.pairs.every((p) => p.score >= 0.95)).toBe(true);
    // The sub-segments (semantic 0.8) no longer clear the bar.
    expect(out.pairs.some((p) => p.entity_id === 'segment:AM')).toBe(false);
  });

  test("uses the process settings (ALIGNMENT_*) when the job sets nothing, and the job's value over them field by field", async () => {
    const global = { base_alignment_threshold: 0.9, position_weight: 0.4, semantic_weight: 0.6 };
    const fromSettings = await alignmentStage({ B: textbook11Text(), C: textbook11Vision() }, downstreamContext({}, { alignment: global }));
    expect(fromSettings.config).toEqual(global);
    expect(fromSettings.pairs.every((p) => p.score >= 0.9)).toBe(true);
    const overridden = await alignmentStage({ B: textbook11Text(), C: textbook11Vision() }, downstreamContext({ alignment: { base_alignment_threshold: 0.6 } }, { alignment: global }));
    expect(overridden.config).toEqual({ ...global, base_alignment_threshold: 0.6 });
    expect(overridden.pairs.length).toBeGreaterThan(fromSettings.pairs.length);
  });

  test("defaults to the deployment guide's AlignmentEngineConfig: 0.60, 0.4, 0.6", () => {
    expect(DEFAULT_ALIGNMENT_CONFIG).toEqual({ base_alignment_threshold: 0.6, position_weight: 0.4, semantic_weight: 0.6 });
  });

  test('still reports the text entities when the vision stage was skipped', async () => {
    const out = AlignmentOutput.parse(await alignmentStage({ B: textbook11Text() }, downstreamContext()));
    expect(out.entities.length).toBeGreaterThan(0);
    expect(out.pairs).toEqual([]);
    expect(out.fallback_reason).toMatch(/vision_parse/);
    expect(out.confidence).toBe(0.5);
  });

  test('treats a problem without a figure as nothing to disagree with', async () => {
    const noFigure = VisionParseOutput.parse({ provider: 'local', confidence: 0.9, duration_ms: 1, diagram_type: 'none', regions: [], elements: [] });
    const out = await alignmentStage({ B: textbook11Text(), C: noFigure }, downstreamContext());
    expect(out.alignment_score).toBe(1);
    expect(out.inconsistencies.some((i) => i.type === 'label_missing_in_diagram')).toBe(false);
  });

  test('names points from labelled point elements when vision named them itself', async () => {
    const vision = textbook11Vision({ omitLabels: ['X'] });
    const named = VisionParseOutput.parse({ ...vision, elements: vision.elements.map((e) => (e.id === 'point_X' ? { ...e, text: 'X' } : e)) });
    const out = await alignmentStage({ B: textbook11Text(), C: named }, downstreamContext());
    expect(out.pairs).toContainEqual(expect.objectContaining({ entity_id: 'point:X', element_id: 'point_X', semantic_score: 1 }));
    expect(out.inconsistencies.some((i) => i.type === 'label_missing_in_diagram')).toBe(false);
  });
});
