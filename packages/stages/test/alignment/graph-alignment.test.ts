/**
 * Function graphs: equations of the text tied to the curve or line that plots them, axis
 * variables to their axes, and what the semantic graph makes of those ties (`graph_of`, axis
 * labels). The vision output is hand-built in the shape stage C reports for a plotted graph:
 * axes, a curve as a path, a straight line, and the labels printed beside them.
 */
import { AlignmentOutput, SemanticGraphOutput, TextParseOutput, VisionParseOutput, type DiagramElement } from '@mpp/schemas';
import { alignmentStage } from '../../src/alignment';
import { definedName, isLinear } from '../../src/alignment/graph-candidates';
import { semanticGraphStage } from '../../src/semantic-graph';
import { downstreamContext } from '../support/downstream-context';

/** Graph coordinates (x, y) to page pixels: origin at (200, 200), 40 px per unit. */
const px = (x: number, y: number) => ({ x: 200 + 40 * x, y: 200 - 40 * y });
const box = (points: Array<{ x: number; y: number }>) => {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  return { x: Math.min(...xs), y: Math.min(...ys), w: Math.max(...xs) - Math.min(...xs), h: Math.max(...ys) - Math.min(...ys) };
};
const curve = (id: string, f: (x: number) => number, from: number, to: number): DiagramElement => {
  const path = Array.from({ length: 25 }, (_, i) => from + ((to - from) * i) / 24).map((x) => px(x, f(x)));
  return { id, type: 'curve', bbox: box(path), confidence: 0.85, region_id: 'diagram-1', path };
};
const straight = (id: string, type: 'axis' | 'line', a: { x: number; y: number }, b: { x: number; y: number }): DiagramElement => ({ id, type, bbox: box([a, b]), confidence: 0.9, region_id: 'diagram-1', endpoints: [a, b] });
const label = (id: string, text: string, at: { x: number; y: number }): DiagramElement => ({ id, type: 'label', text, bbox: { x: at.x - 6, y: at.y - 8, w: 12, h: 16 }, confidence: 0.9, region_id: 'diagram-1' });

const AXES: DiagramElement[] = [
  straight('axis-x', 'axis', { x: 20, y: 200 }, { x: 380, y: 200 }),
  straight('axis-y', 'axis', { x: 200, y: 380 }, { x: 200, y: 20 }),
  label('label-x', 'x', { x: 392, y: 210 }),
  label('label-y', 'y', { x: 212, y: 10 }),
];

function vision(elements: DiagramElement[]): VisionParseOutput {
  return VisionParseOutput.parse({
    provider: 'local', confidence: 0.8, duration_ms: 5, diagram_type: 'graph',
    regions: [{ id: 'diagram-1', type: 'diagram', bbox: { x: 0, y: 0, w: 400, h: 400 }, confidence: 0.9 }],
    elements,
  });
}

function text(body: string): TextParseOutput {
  const formulas = [...body.matchAll(/\$([^$]+)\$/g)].map((m) => ({ latex: m[1]!, display: false, confidence: 0.9 }));
  return TextParseOutput.parse({ provider: 'local', confidence: 0.9, duration_ms: 5, text: body, lines: [], formulas });
}

const PARABOLA_AND_LINE = text('The graph of $y = x^2 - 4$ and the line $y = 2x + 1$ are shown. Find where the parabola crosses the $x$-axis.');
const PLOTS = vision([...AXES, curve('curve-1', (x) => x * x - 4, -2.9, 2.9), straight('line-1', 'line', px(-3, -5), px(2, 5))]);

const elementOf = (out: AlignmentOutput, entity: string) => out.pairs.filter((p) => p.entity_id === entity).map((p) => p.element_id);

describe('equations and axes (D)', () => {
  test('reads which equations define a function of x and which are linear', () => {
    expect(['y = x^2 - 4', 'f(x) = 2x + 1', 'AB = CD', 'x = 48'].map(definedName)).toEqual(['y', 'f', undefined, undefined]);
    expect(['y = 2x + 1', 'y = 3', 'y = x^2 - 4', 'f(x) = \\sqrt{x}', 'y = \\frac{1}{x}'].map(isLinear)).toEqual([true, true, false, false, false]);
  });

  test('ties the nonlinear equation to the curve, the linear one to the line, and x to the horizontal axis', async () => {
    const out = AlignmentOutput.parse(await alignmentStage({ B: PARABOLA_AND_LINE, C: PLOTS }, downstreamContext()));
    const equations = out.entities.filter((e) => e.kind === 'equation');
    expect(equations.map((e) => e.text)).toEqual(['y = x^2 - 4', 'y = 2x + 1']);
    expect(elementOf(out, equations[0]!.id)).toEqual(['curve-1']);
    expect(elementOf(out, equations[1]!.id)).toEqual(['line-1']);
    expect(elementOf(out, 'variable:x')).toContain('axis-x');
    expect(elementOf(out, 'variable:x')).not.toContain('axis-y');
    expect(out.pairs.find((p) => p.element_id === 'axis-x')?.semantic_score).toBe(1); // the printed "x" at its end
  });

  test('uses the printed function names to tell two curves apart', async () => {
    const B = text('Graph $f(x) = x^2$ and $g(x) = x^3$.');
    const C = vision([
      ...AXES,
      curve('curve-1', (x) => x ** 3, -1.6, 1.6),
      curve('curve-2', (x) => x * x, -2.2, 2.2),
      label('label-f', 'f', { ...px(2.2, 4.84), x: px(2.2, 4.84).x + 12 }),
      label('label-g', 'g', { ...px(-1.6, -4.1), x: px(-1.6, -4.1).x - 12 }),
    ]);
    const out = await alignmentStage({ B, C }, downstreamContext());
    const [f, g] = out.entities.filter((e) => e.kind === 'equation');
    expect(elementOf(out, f!.id)).toEqual(['curve-2']);
    expect(elementOf(out, g!.id)).toEqual(['curve-1']);
  });

  test('ties no equation when the figure has no plot, and no geometry equation to a plot', async () => {
    const noPlots = await alignmentStage({ B: PARABOLA_AND_LINE, C: vision(AXES) }, downstreamContext());
    expect(noPlots.pairs.filter((p) => p.entity_id.startsWith('equation:'))).toEqual([]);
    const geometry = await alignmentStage({ B: text('If $AB = CD$ and $x = 48$, find $y$.'), C: PLOTS }, downstreamContext());
    expect(geometry.pairs.filter((p) => p.element_id === 'curve-1' || p.element_id === 'line-1')).toEqual([]);
  });

  test("a job's higher threshold drops the ties that rest on shape alone", async () => {
    const strict = await alignmentStage({ B: PARABOLA_AND_LINE, C: PLOTS }, downstreamContext({ alignment: { base_alignment_threshold: 0.9 } }));
    expect(strict.config.base_alignment_threshold).toBe(0.9);
    expect(strict.pairs.filter((p) => p.entity_id.startsWith('equation:'))).toEqual([]);
    expect(elementOf(strict, 'variable:x')).toContain('axis-x');
  });
});

describe('function graphs in the semantic graph (E)', () => {
  test('makes each plot the graph_of its equation and labels the axes with the printed letters', async () => {
    const ctx = downstreamContext();
    const D = await alignmentStage({ B: PARABOLA_AND_LINE, C: PLOTS }, ctx);
    const graph = SemanticGraphOutput.parse(await semanticGraphStage({ B: PARABOLA_AND_LINE, C: PLOTS, D }, ctx));
    const [parabola, line] = D.entities.filter((e) => e.kind === 'equation');
    const edge = (type: string, from: string, to: string) => graph.edges.find((e) => e.type === type && e.from === from && e.to === to);
    expect(edge('graph_of', 'curve:#curve-1', parabola!.id)?.provenance).toEqual([{ stage: 'D', ref: 'curve-1' }]);
    expect(edge('graph_of', 'line:#line-1', line!.id)).toBeDefined();
    expect(graph.nodes.find((n) => n.id === parabola!.id)).toMatchObject({ type: 'equation', props: { latex: 'y = x^2 - 4' } });
    expect(edge('labels', 'label:label-x', 'axis:#axis-x')).toBeDefined();
    expect(edge('labels', 'label:label-y', 'axis:#axis-y')).toBeDefined();
    expect(graph.nodes.find((n) => n.id === 'axis:#axis-x')?.props.variable).toBe('x');
    expect(graph.validation).toEqual({ valid: true, issues: [] });
  });
});
