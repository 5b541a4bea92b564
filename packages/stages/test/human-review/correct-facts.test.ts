/**
 * A reviewer's facts on the graph of textbook problem 11 (AB = 30, CD = 30, arc CZ = 40): subjects
 * are checked against the graph's nodes, and the nodes and edges follow the corrected values.
 */
import type { SemanticGraphOutput } from '@mpp/schemas';
import { applyReviewCorrections, ReviewCorrectionError } from '@mpp/stages';
import { alignmentStage } from '../../src/alignment';
import { semanticGraphStage } from '../../src/semantic-graph';
import { downstreamContext } from '../support/downstream-context';
import { textbook11Text, textbook11Vision } from '../support/textbook11-upstream';

let E: SemanticGraphOutput;

beforeAll(async () => {
  const ctx = downstreamContext();
  const B = textbook11Text(undefined, 0.5);
  const C = textbook11Vision({ omitLabels: [] });
  E = await semanticGraphStage({ B, C, D: await alignmentStage({ B, C }, ctx) }, ctx);
});

const fact = (subject: string, value: number | string, relation: 'equals' | 'measure_of' = 'equals') => ({ statement: `${subject} = ${value}`, subject, relation, value });
const issuesOf = (facts: ReturnType<typeof fact>[]) => applyReviewCorrections({ E }, { facts }).then(() => [], (err: unknown) => (err as ReviewCorrectionError).issues);

describe('correcting the graph facts', () => {
  it('starts from the graph stage E built (the premise of the other tests)', () => {
    expect(E.facts.map((f) => [f.subject, f.value])).toEqual([['segment:AB', 30], ['segment:CD', 30], ['arc:CZ', 40]]);
    expect(E.edges.map((e) => e.id)).toContain('equals:segment:AB->expression:1');
  });

  it('resolves subjects written as node ids or as the text writes them, and stores the node id', async () => {
    const { outputs } = await applyReviewCorrections({ E }, { facts: [fact('AB', 32), fact('segment:CD', 30), fact('m\\widehat{CZ}', 45, 'measure_of')] });
    expect(outputs.E?.facts.map((f) => [f.subject, f.value, f.confidence])).toEqual([['segment:AB', 32, 1], ['segment:CD', 30, 1], ['arc:CZ', 45, 1]]);
  });

  it('moves the values into the nodes and edges: old value nodes go, the new ones come with provenance', async () => {
    const { outputs } = await applyReviewCorrections({ E }, { facts: [fact('AB', 32), fact('m\\widehat{CZ}', 45, 'measure_of')] });
    const graph = outputs.E!;
    const node = (id: string) => graph.nodes.find((n) => n.id === id);
    expect(node('segment:AB')?.props.length).toBe(32);
    expect(node('arc:CZ')?.props.measure).toBe(45);
    // CD = 30 is no longer stated: its length and its value node and edge are gone.
    expect(node('segment:CD')?.props.length).toBeUndefined();
    expect(['expression:1', 'expression:2', 'expression:3'].map(node)).toEqual([undefined, undefined, undefined]);
    const valueEdges = graph.edges.filter((e) => e.type === 'equals' || e.type === 'measure_of');
    expect(valueEdges.map((e) => e.id).sort()).toEqual(['equals:segment:AB->expression:review-1', 'measure_of:expression:review-2->arc:CZ']);
    expect(node('expression:review-1')).toMatchObject({ label: '32', props: { latex: '32', value: 32 }, confidence: 1, provenance: [{ stage: 'E', ref: 'review' }] });
    expect(graph.validation).toEqual({ valid: true, issues: [] });
    expect(graph.stats).toMatchObject({ facts: 2, 'edges.equals': 1, 'edges.measure_of': 1 });
  });

  it('ties a fact that equates two objects to the other node', async () => {
    const { outputs } = await applyReviewCorrections({ E }, { facts: [fact('AB', 'CD')] });
    expect(outputs.E?.edges.map((e) => e.id)).toContain('equals:segment:AB->segment:CD');
  });

  it('refuses a subject the graph does not have, or one that names several nodes, naming the fact', async () => {
    expect(await issuesOf([fact('AB', 30), fact('PQ', 3)])).toEqual([{ field: 'corrections.facts[1].subject', message: expect.stringContaining('no node "PQ"') }]);
    // Two expression nodes are labelled 30.
    expect(await issuesOf([fact('30', 30)])).toEqual([{ field: 'corrections.facts[0].subject', message: expect.stringMatching(/names several nodes \(expression:1, expression:2\)/) }]);
  });

  it('refuses a relation the subject cannot have', async () => {
    expect(await issuesOf([fact('A', 3, 'measure_of')])).toEqual([{ field: 'corrections.facts[0].relation', message: 'a point (point:A) cannot have a fact "measure_of"' }]);
  });

  it('runs graph validation again on the corrected graph', async () => {
    const stale = { statement: 'PQ = 3', subject: 'segment:PQ', relation: 'equals' as const, value: 3, confidence: 0.4 };
    const invalid: SemanticGraphOutput = { ...E, facts: [...E.facts, stale], validation: { valid: false, issues: ['dangling_reference: fact "PQ = 3" is about missing node segment:PQ'] } };
    const { outputs } = await applyReviewCorrections({ E: invalid }, { facts: [fact('AB', 30)] });
    expect(outputs.E?.validation).toEqual({ valid: true, issues: [] });
  });
});
