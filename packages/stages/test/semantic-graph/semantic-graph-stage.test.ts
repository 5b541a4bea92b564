import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SemanticGraphOutput, type GraphEdge, type GraphNode } from '@mpp/schemas';
import { alignmentStage } from '../../src/alignment';
import { semanticGraphStage, validateGraph } from '../../src/semantic-graph';
import { downstreamContext } from '../support/downstream-context';
import { CIRCLE, labelElement, textbook11Text, textbook11Vision } from '../support/textbook11-upstream';

async function textbook11Graph(): Promise<SemanticGraphOutput> {
  const ctx = downstreamContext();
  const B = textbook11Text();
  const C = textbook11Vision();
  const D = await alignmentStage({ B, C }, ctx);
  return SemanticGraphOutput.parse(await semanticGraphStage({ B, C, D }, ctx));
}

const edge = (graph: SemanticGraphOutput, type: GraphEdge['type'], from: string, to: string) => graph.edges.find((e) => e.type === type && e.from === from && e.to === to);
const node = (graph: SemanticGraphOutput, id: string): GraphNode | undefined => graph.nodes.find((n) => n.id === id);

describe('semantic graph stage (E)', () => {
  test('has a point node for each of A B C D M N X Y Z, with diagram coordinates', async () => {
    const graph = await textbook11Graph();
    for (const p of 'ABCDMNXYZ') {
      const n = node(graph, `point:${p}`);
      expect(n).toMatchObject({ type: 'point', label: p });
      expect(typeof n?.props.x).toBe('number');
      expect(n?.provenance.map((s) => s.stage)).toEqual(expect.arrayContaining(['B', 'C', 'D']));
    }
    expect(node(graph, 'point:X')?.props).toMatchObject({ x: CIRCLE.cx, y: CIRCLE.cy });
  });

  test('has circle X centred at point X with the points on it', async () => {
    const graph = await textbook11Graph();
    expect(node(graph, 'circle:X')).toMatchObject({ type: 'circle', props: expect.objectContaining({ r: CIRCLE.r }) });
    expect(edge(graph, 'center_of', 'point:X', 'circle:X')).toBeDefined();
    for (const p of 'ABCDYZ') expect(edge(graph, 'lies_on', `point:${p}`, 'circle:X')).toBeDefined();
    expect(edge(graph, 'lies_on', 'point:M', 'circle:X')).toBeUndefined();
  });

  test('has chords AB and CD with their ends, and M and N on them', async () => {
    const graph = await textbook11Graph();
    for (const [seg, a, b, inner] of [['AB', 'A', 'B', 'M'], ['CD', 'C', 'D', 'N']] as const) {
      expect(node(graph, `segment:${seg}`)?.type).toBe('segment');
      expect(edge(graph, 'endpoint_of', `point:${a}`, `segment:${seg}`)).toBeDefined();
      expect(edge(graph, 'endpoint_of', `point:${b}`, `segment:${seg}`)).toBeDefined();
      expect(edge(graph, 'lies_on', `point:${inner}`, `segment:${seg}`)).toBeDefined();
    }
    expect(edge(graph, 'intersects', 'segment:AB', 'segment:XY')).toBeDefined();
  });

  test('states AB = 30 and CD = 30 on the segments and m(arc CZ) = 40 on the arc', async () => {
    const graph = await textbook11Graph();
    expect(graph.facts).toEqual(expect.arrayContaining([
      expect.objectContaining({ statement: 'AB = 30', subject: 'segment:AB', relation: 'equals', value: 30 }),
      expect.objectContaining({ statement: 'CD = 30', subject: 'segment:CD', relation: 'equals', value: 30 }),
      expect.objectContaining({ subject: 'arc:CZ', relation: 'measure_of', value: 40 }),
    ]));
    expect(node(graph, 'segment:AB')?.props.length).toBe(30);
    expect(node(graph, 'arc:CZ')?.props.measure).toBe(40);
    const measure = graph.edges.find((e) => e.type === 'measure_of' && e.to === 'arc:CZ');
    expect(node(graph, measure?.from ?? '')?.props.value).toBe(40);
    expect(edge(graph, 'lies_on', 'arc:CZ', 'circle:X')).toBeDefined();
  });

  test('spells facts one way whatever spelling the text used', async () => {
    for (const source of ['In OX, AB = 30, and mCZ = 40.', 'In $\\odot X, A B=30,$ and $m \\widehat{C Z}=40$.']) {
      const graph = SemanticGraphOutput.parse(await semanticGraphStage({ B: textbook11Text(source) }, downstreamContext()));
      expect(graph.facts.map((f) => f.statement)).toEqual(['AB = 30', 'm\\widehat{CZ} = 40']);
    }
  });

  test("agrees with the fixture's ground-truth logic forms on incidences and given values", async () => {
    const truth = JSON.parse(readFileSync(resolve(__dirname, '../../../../test/fixtures/textbook/11/logic_form.json'), 'utf8')) as { diagram_logic_form: string[]; text_logic_form: string[] };
    const graph = await textbook11Graph();
    let checked = 0;
    for (const form of truth.diagram_logic_form) {
      const onLine = /^PointLiesOnLine\((\w), Line\((\w), (\w)\)\)$/.exec(form);
      const onCircle = /^PointLiesOnCircle\((\w), Circle\((\w),/.exec(form);
      if (onLine) {
        const [, p, a, b] = onLine;
        const segment = `segment:${[a, b].sort().join('')}`;
        expect([form, edge(graph, 'lies_on', `point:${p}`, segment)?.type]).toEqual([form, 'lies_on']);
        checked++;
      } else if (onCircle) {
        expect([form, edge(graph, 'lies_on', `point:${onCircle[1]}`, `circle:${onCircle[2]}`)?.type]).toEqual([form, 'lies_on']);
        checked++;
      }
    }
    for (const form of truth.text_logic_form) {
      const given = /^Equals\((LengthOf\(Line|MeasureOf\(Arc)\((\w),(\w)\)\),(\d+)\)$/.exec(form);
      if (!given) continue;
      const subject = `${given[1]?.startsWith('Length') ? 'segment' : 'arc'}:${[given[2], given[3]].sort().join('')}`;
      expect(graph.facts).toContainEqual(expect.objectContaining({ subject, value: Number(given[4]) }));
      checked++;
    }
    expect(checked).toBe(12);
  });

  test('targets what the question asks for, with the spelling the text uses', async () => {
    const graph = await textbook11Graph();
    expect(graph.targets).toEqual(expect.arrayContaining(['segment:AM', 'segment:BM', 'segment:CN', 'segment:DN', 'arc:DZ', 'arc:CD', 'arc:AB', 'arc:BY']));
    expect(node(graph, 'segment:BM')).toMatchObject({ label: 'MB', props: expect.objectContaining({ part_of: 'segment:AB' }) });
    expect(node(graph, 'arc:BY')?.label).toBe('YB');
  });

  test('validates and counts the graph it builds', async () => {
    const graph = await textbook11Graph();
    expect(graph.validation).toEqual({ valid: true, issues: [] });
    expect(graph.stats['nodes.point']).toBe(9);
    expect(graph.stats['nodes.circle']).toBe(1);
    expect(graph.stats.nodes).toBe(graph.nodes.length);
    expect(graph.stats.edges).toBe(graph.edges.length);
    expect(new Set(graph.nodes.map((n) => n.id)).size).toBe(graph.nodes.length);
    expect(graph.confidence).toBeGreaterThan(0.7);
  });

  test('builds the same named nodes without the alignment stage', async () => {
    const ctx = downstreamContext();
    const graph = SemanticGraphOutput.parse(await semanticGraphStage({ B: textbook11Text(), C: textbook11Vision() }, ctx));
    expect(graph.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(['point:A', 'circle:X', 'segment:AB', 'arc:CZ']));
    expect(graph.nodes.some((n) => n.provenance.some((p) => p.stage === 'D'))).toBe(false);
    expect(graph.fallback_reason).toBeUndefined();
  });

  test('builds a text-only graph when vision was skipped, and says so', async () => {
    const graph = SemanticGraphOutput.parse(await semanticGraphStage({ B: textbook11Text() }, downstreamContext()));
    expect(edge(graph, 'center_of', 'point:X', 'circle:X')).toBeDefined();
    // With one circle in the problem every arc is on it, at lower confidence.
    expect(edge(graph, 'lies_on', 'arc:CZ', 'circle:X')?.confidence).toBe(0.5);
    expect(graph.fallback_reason).toMatch(/vision_parse/);
    expect(graph.validation.valid).toBe(true);
  });

  test('reads a length label in the diagram as a fact about the segment it labels', async () => {
    const vision = textbook11Vision({ extra: [labelElement('label_x', 'x', [866, 50])] });
    const graph = SemanticGraphOutput.parse(await semanticGraphStage({ C: vision }, downstreamContext()));
    expect(graph.facts).toContainEqual(expect.objectContaining({ subject: 'segment:AM', relation: 'equals', value: 'x' }));
    expect(edge(graph, 'labels', 'label:label_x', 'segment:AM')).toBeDefined();
    expect(edge(graph, 'equals', 'segment:AM', 'variable:x')).toBeDefined();
  });

  test('turns vision relations into edges, oriented by the edge rules', async () => {
    const vision = textbook11Vision();
    vision.relations = [
      { type: 'perpendicular', from: 'seg_XY', to: 'seg_AB', confidence: 0.8 },
      { type: 'centre', from: 'circle_1', to: 'point_X', confidence: 0.7 },
      { type: 'center_of', from: 'seg_AB', to: 'circle_1', confidence: 0.7 },
      { type: 'tangent', from: 'seg_AB', to: 'circle_1', confidence: 0.7 },
    ];
    const graph = SemanticGraphOutput.parse(await semanticGraphStage({ C: vision }, downstreamContext()));
    expect(edge(graph, 'perpendicular_to', 'segment:XY', 'segment:AB')).toBeDefined();
    // "circle centre point" is read the other way round; the edge gains vision's relation as provenance.
    expect(edge(graph, 'center_of', 'point:X', 'circle:X')?.provenance).toContainEqual({ stage: 'C', ref: 'circle_1:centre:point_X' });
    expect(edge(graph, 'center_of', 'circle:X', 'point:X')).toBeUndefined();
    // A segment is no centre either way round, and "tangent" has no edge type yet.
    expect(graph.stats.relations_ignored).toBe(2);
  });

  test('reports nothing to build when both text and vision were skipped', async () => {
    const graph = SemanticGraphOutput.parse(await semanticGraphStage({}, downstreamContext()));
    expect(graph.nodes).toEqual([]);
    expect(graph.confidence).toBe(0);
    expect(graph.fallback_reason).toBeDefined();
  });
});

describe('graph validation', () => {
  const point = (id: string): GraphNode => ({ id, type: 'point', props: {}, confidence: 1, provenance: [] });
  const circle = (id: string): GraphNode => ({ id, type: 'circle', props: {}, confidence: 1, provenance: [] });
  const link = (type: GraphEdge['type'], from: string, to: string, id = `${type}:${from}->${to}`): GraphEdge => ({ id, type, from, to, props: {}, confidence: 1, provenance: [] });

  test('accepts a well-formed graph', () => {
    expect(validateGraph({ nodes: [point('point:X'), circle('circle:X')], edges: [link('center_of', 'point:X', 'circle:X')], facts: [], targets: ['circle:X'] })).toEqual({ valid: true, issues: [] });
  });

  test('reports dangling references from edges, facts and targets', () => {
    const result = validateGraph({
      nodes: [point('point:A')],
      edges: [link('lies_on', 'point:A', 'segment:AB')],
      facts: [{ statement: 'AB = 3', subject: 'segment:AB', relation: 'equals', value: 3, confidence: 1 }],
      targets: ['arc:AB'],
    });
    expect(result.valid).toBe(false);
    expect(result.issues.filter((i) => i.startsWith('dangling_reference'))).toHaveLength(3);
  });

  test('reports duplicates, self-loops and edges that break the type rules', () => {
    const result = validateGraph({
      nodes: [point('point:X'), point('point:X'), circle('circle:X')],
      edges: [link('center_of', 'circle:X', 'point:X'), link('center_of', 'circle:X', 'point:X', 'other-id'), link('intersects', 'circle:X', 'circle:X')],
      facts: [],
      targets: [],
    });
    expect(result.issues.some((i) => i.startsWith('duplicate_node'))).toBe(true);
    expect(result.issues.some((i) => i.startsWith('duplicate_edge'))).toBe(true);
    expect(result.issues.some((i) => i.startsWith('self_loop'))).toBe(true);
    expect(result.issues.some((i) => i.startsWith('edge_type_rule: center_of may not go from circle to point'))).toBe(true);
  });
});
