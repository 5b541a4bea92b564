/**
 * Candidates for function graphs: an equation of the text (`y = x^2 - 4`, `f(x) = 2x + 1`) to
 * the curve or drawn line that plots it, and an axis variable (`x`, `y`) to its axis.
 *
 * Semantic evidence, strongest first: a diagram label next to the plot that spells the equation
 * or its function's name (`f`, `y = x^2 - 4`); then shape: a linear equation is drawn straight
 * (a segment, line or ray in a diagram with axes), any other as a curve; a plot of the right
 * shape that is the only one scores higher than one of several. An axis is the `x` axis when it
 * runs horizontally and the `y` axis when vertically, and more surely so with that letter printed
 * at it. Position evidence is how close the naming label sits to the plot or axis, 0.5 without one.
 */
import type { DiagramElement, TextEntity } from '@mpp/schemas';
import type { Candidate } from './candidate';
import type { DiagramLabel } from './diagram-labels';
import type { DiagramIndex } from './diagram-types';
import { closeness, distance, projectOntoSegment, type Pt } from './geometry';

const STRAIGHT = new Set(['segment', 'line', 'ray']);

/** Spaces, `\left`/`\right`, braces and `\cdot` do not change what an equation says. */
export function normaliseEquation(text: string): string {
  return text.replace(/\\left|\\right|\\cdot|\\,|\\;|\\!|[\s{}$]/g, '').replace(/\*\*/g, '^').toLowerCase();
}

/** Name of the function an equation defines: `f` for `f(x) = ...`, `y` for `y = ...`; else undefined. */
export function definedName(equation: string): string | undefined {
  const lhs = equation.split('=')[0]?.trim() ?? '';
  const fn = /^([a-zA-Z])\s*\(\s*x\s*\)$/.exec(lhs);
  if (fn) return fn[1];
  return lhs === 'y' ? 'y' : undefined;
}

/** Linear in x: no powers, products of x, roots, fractions with x below, or named functions. */
export function isLinear(equation: string): boolean {
  const raw = (equation.split('=').slice(1).join('=') || equation).replace(/\s+/g, '');
  // x under a fraction bar, a root, a power, a product of x with x, or a named function.
  if (/\\frac\{[^}]*\}\{[^}]*x/.test(raw)) return false;
  const rhs = normaliseEquation(raw);
  if (/\\(?:sqrt|sin|cos|tan|log|ln|exp)|\^|x[a-z(]*x|\|/.test(rhs)) return false;
  return /x/.test(rhs) || /^-?[\d.]+$/.test(rhs);
}

/** Points along a plot: a curve's path, a straight element's ends. */
function plotPath(e: DiagramElement): Pt[] {
  if (e.path && e.path.length > 0) return e.path;
  return e.endpoints ? [...e.endpoints] : [];
}

function distanceToPath(p: Pt, path: readonly Pt[]): number {
  if (path.length === 1) return distance(p, path[0]!);
  let best = Infinity;
  for (let i = 1; i < path.length; i++) best = Math.min(best, projectOntoSegment(p, path[i - 1]!, path[i]!).distance);
  return best;
}

const labelCentre = (l: DiagramLabel): Pt => ({ x: l.bbox.x + l.bbox.w / 2, y: l.bbox.y + l.bbox.h / 2 });

function axes(diagram: DiagramIndex): DiagramElement[] {
  return [...diagram.elements.values()].filter((e) => e.type === 'axis' && e.endpoints);
}

export function equationCandidates(entity: TextEntity, diagram: DiagramIndex): Candidate[] {
  const equation = entity.text;
  // Only equations that define a function of x (`y = ...`, `f(x) = ...`) are plotted.
  const name = definedName(equation);
  if (name === undefined) return [];
  const hasAxes = axes(diagram).length > 0;
  const plots = [...diagram.elements.values()].filter((e) => e.type === 'curve' || (hasAxes && STRAIGHT.has(e.type)));
  if (plots.length === 0) return [];
  const linear = isLinear(equation);
  const fits = (e: DiagramElement) => (linear ? STRAIGHT.has(e.type) : e.type === 'curve');
  const fitting = plots.filter(fits).length;
  const wanted = normaliseEquation(equation);
  const naming = diagram.labels.filter((l) => {
    const text = normaliseEquation(l.text);
    return text === wanted || (name !== undefined && name !== 'y' && (text === name.toLowerCase() || text.startsWith(`${name.toLowerCase()}(x)`)));
  });
  return plots.map((e) => {
    const path = plotPath(e);
    const nearest = naming.map((l) => distanceToPath(labelCentre(l), path)).sort((a, b) => a - b)[0];
    const named = nearest !== undefined && nearest <= 2 * diagram.scale.labelReach;
    const semantic = named ? 1 : fits(e) ? (fitting === 1 ? 0.75 : 0.6) : 0.3;
    const position = nearest !== undefined ? closeness(nearest, diagram.scale.labelReach) : 0.5;
    return { elementId: e.id, elementType: e.type, position, semantic };
  });
}

export function axisCandidates(name: string, diagram: DiagramIndex): Candidate[] {
  if (name !== 'x' && name !== 'y') return [];
  const out: Candidate[] = [];
  for (const axis of axes(diagram)) {
    const [a, b] = axis.endpoints!;
    const horizontal = Math.abs(b.x - a.x) >= Math.abs(b.y - a.y);
    if (horizontal !== (name === 'x')) continue;
    const letters = diagram.labels.filter((l) => l.text.replace(/\$/g, '').trim() === name);
    const nearest = letters.map((l) => Math.min(distance(labelCentre(l), a), distance(labelCentre(l), b))).sort((p, q) => p - q)[0];
    const printed = nearest !== undefined && nearest <= 2 * diagram.scale.labelReach;
    out.push({ elementId: axis.id, elementType: 'axis', position: printed ? closeness(nearest, diagram.scale.labelReach) : 0.5, semantic: printed ? 1 : 0.8 });
  }
  return out;
}
