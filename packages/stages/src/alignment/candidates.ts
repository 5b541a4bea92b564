/**
 * Candidate ties between one text entity and the diagram's elements, each with a semantic score
 * (does the element mean what the entity names?) and a position score (does the geometry sit
 * where the name says: a label at a point, a segment's ends on its named points, a circle's centre
 * on its named centre?). When the entity has a box on the page (B read a label inside the figure)
 * closeness of the two boxes counts as position evidence too.
 */
import type { BBox, TextEntity } from '@mpp/schemas';
import { parseNamedId, pointRefs } from './entity-ids';
import type { DiagramIndex, IndexedSegment } from './diagram-types';
import { boxGap, closeness, distance } from './geometry';
import type { Candidate } from './candidate';
import { axisCandidates, equationCandidates } from './graph-candidates';

export type { Candidate } from './candidate';

/** OCR confuses these; a confused label is weak evidence, not none. */
const CONFUSABLE: ReadonlyArray<readonly [string, string]> = [['O', '0'], ['I', '1'], ['I', 'l'], ['S', '5'], ['Z', '2'], ['B', '8'], ['G', '6']];

export function labelSimilarity(name: string, text: string): number {
  if (name === text) return 1;
  if (name.toLowerCase() === text.toLowerCase()) return 0.6;
  if (CONFUSABLE.some(([a, b]) => (a === name && b === text) || (b === name && a === text))) return 0.4;
  return 0;
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

function pointCandidates(name: string, diagram: DiagramIndex): Candidate[] {
  const out: Candidate[] = [];
  for (const label of diagram.labels) {
    const semantic = labelSimilarity(name, label.text);
    if (semantic === 0) continue;
    const named = diagram.points.get(label.text);
    const position = named?.labelId === label.elementId ? named.quality : 0.3;
    out.push({ elementId: label.elementId, elementType: 'label', position, semantic });
  }
  const point = diagram.points.get(name);
  if (point?.pointElementId) {
    const element = diagram.elements.get(point.pointElementId);
    out.push({ elementId: point.pointElementId, elementType: 'point', position: point.quality, semantic: element?.text?.trim() === name ? 1 : 0.9 });
  }
  return out;
}

/** Offsets of the named points `refs` from a segment, when they are all on it. */
function offsetsOn(s: IndexedSegment, refs: readonly string[]): number[] | undefined {
  const offsets: number[] = [];
  for (const ref of refs) {
    const end = s.ends.indexOf(ref);
    const inner = s.interior.find((i) => i.name === ref);
    if (end >= 0) offsets.push(s.endDistances[end] ?? 0);
    else if (inner) offsets.push(inner.offset);
    else return undefined;
  }
  return offsets;
}

function linearCandidates(kind: 'segment' | 'line' | 'ray', name: string, diagram: DiagramIndex): Candidate[] {
  const refs = pointRefs(kind, name);
  const out: Candidate[] = [];
  for (const s of diagram.segments) {
    const offsets = offsetsOn(s, refs);
    if (!offsets) continue;
    const exact = s.name !== undefined && s.ends.every((e) => e !== undefined && refs.includes(e));
    const sameKind = s.kind === kind;
    // A named part of a drawn segment (AM of chord AB through M) is still that segment's.
    const semantic = exact ? (sameKind ? 1 : 0.75) : 0.8;
    const tolerance = exact ? diagram.scale.endTolerance : diagram.scale.onTolerance;
    out.push({ elementId: s.element.id, elementType: s.kind, position: closeness(mean(offsets), tolerance), semantic });
  }
  return out;
}

function circleCandidates(name: string, diagram: DiagramIndex): Candidate[] {
  const out: Candidate[] = [];
  for (const c of diagram.circles) {
    if (c.centreName === name) {
      out.push({ elementId: c.element.id, elementType: 'circle', position: closeness(c.centreDistance, diagram.scale.endTolerance), semantic: 1 });
    } else if (c.centreName === undefined && diagram.circles.length === 1 && !diagram.points.has(name)) {
      // The only circle, with an unlabelled centre: probably the one the text means.
      out.push({ elementId: c.element.id, elementType: 'circle', position: 0.5, semantic: 0.6 });
    }
  }
  return out;
}

function arcCandidates(name: string, diagram: DiagramIndex): Candidate[] {
  const out: Candidate[] = [];
  const first = name[0] ?? '';
  const last = name[name.length - 1] ?? '';
  for (const a of diagram.arcs) {
    if (a.name === `${first}${last}` || a.name === `${last}${first}`) out.push({ elementId: a.element.id, elementType: 'arc', position: 0.9, semantic: 1 });
  }
  for (const c of diagram.circles) {
    const ends = [first, last].map((n) => c.on.find((p) => p.name === n));
    if (ends.every((e) => e !== undefined)) {
      const offsets = ends.map((e) => e?.offset ?? 0);
      out.push({ elementId: c.element.id, elementType: 'circle', position: closeness(mean(offsets), diagram.scale.onTolerance), semantic: 0.85 });
    }
  }
  return out;
}

function angleCandidates(name: string, diagram: DiagramIndex): Candidate[] {
  const vertex = name.length === 3 ? name[1] : name;
  return diagram.angleMarks
    .filter((m) => m.vertex !== undefined && m.vertex === vertex)
    .map((m) => ({ elementId: m.element.id, elementType: 'angle_mark', position: closeness(m.distance, diagram.scale.labelReach), semantic: 0.8 }));
}

/**
 * A variable the text names, in the diagram: a label that is the variable (semantic 1), or a value
 * expression that uses it (`x` in `4x-17`, 0.7: the figure measures something in terms of it, so
 * with no position to check, 0.4 x 0.5 + 0.6 x 0.7 = 0.62 still passes the default threshold).
 */
function variableCandidates(name: string, diagram: DiagramIndex): Candidate[] {
  const out: Candidate[] = [];
  for (const v of diagram.values) {
    const text = v.label.text.replace(/°|º/g, '');
    const semantic = text === name ? 1 : v.label.role === 'expression' && new RegExp(`(?<![a-z])${name}(?![a-z])`).test(text) ? 0.7 : 0;
    if (semantic > 0) out.push({ elementId: v.label.elementId, elementType: 'label', position: v.targetId || v.vertex ? Math.max(0.5, v.quality) : 0.5, semantic });
  }
  return out;
}

function valueCandidates(entity: TextEntity, diagram: DiagramIndex): Candidate[] {
  if (entity.value === undefined) return [];
  const out: Candidate[] = [];
  for (const v of diagram.values) {
    if (v.label.value === undefined || Math.abs(v.label.value - entity.value) > 1e-6 * Math.max(1, Math.abs(entity.value))) continue;
    const onSubject = v.targetId !== undefined && v.targetId === entity.subject;
    out.push({ elementId: v.label.elementId, elementType: 'label', position: onSubject ? Math.max(0.5, v.quality) : 0.5 * v.quality, semantic: onSubject ? 1 : 0.5 });
  }
  return out;
}

function polygonCandidates(name: string, diagram: DiagramIndex): Candidate[] {
  const out: Candidate[] = [];
  const wanted = new Set(name);
  for (const e of diagram.elements.values()) {
    if (e.type !== 'polygon' || !e.path || e.path.length !== wanted.size) continue;
    const nearest = e.path.map((v) => {
      let best: { name: string; d: number } = { name: '', d: Infinity };
      for (const p of diagram.points.values()) if (distance(p.at, v) < best.d) best = { name: p.name, d: distance(p.at, v) };
      return best;
    });
    if (nearest.every((n) => wanted.has(n.name)) && new Set(nearest.map((n) => n.name)).size === wanted.size) {
      out.push({ elementId: e.id, elementType: 'polygon', position: closeness(mean(nearest.map((n) => n.d)), diagram.scale.endTolerance), semantic: 1 });
    }
  }
  return out;
}

/** Position evidence from the page itself: the entity's box over or beside the element's. */
function pageProximity(entityBox: BBox | undefined, elementBox: BBox | undefined, reach: number): number {
  if (!entityBox || !elementBox) return 0;
  return closeness(boxGap(entityBox, elementBox), reach / 2);
}

export function entityCandidates(entity: TextEntity, diagram: DiagramIndex): Candidate[] {
  const named = parseNamedId(entity.id);
  let candidates: Candidate[];
  if (entity.kind === 'value') candidates = valueCandidates(entity, diagram);
  else if (entity.kind === 'equation') candidates = equationCandidates(entity, diagram);
  else if (!named) candidates = [];
  else {
    switch (named.kind) {
      case 'point': candidates = pointCandidates(named.name, diagram); break;
      case 'segment':
      case 'line':
      case 'ray': candidates = linearCandidates(named.kind, named.name, diagram); break;
      case 'circle': candidates = circleCandidates(named.name, diagram); break;
      case 'arc': candidates = arcCandidates(named.name, diagram); break;
      case 'angle': candidates = angleCandidates(named.name, diagram); break;
      case 'polygon': candidates = polygonCandidates(named.name, diagram); break;
      case 'variable': candidates = [...variableCandidates(named.name, diagram), ...axisCandidates(named.name, diagram)]; break;
    }
  }
  return candidates.map((c) => ({
    ...c,
    position: Math.max(c.position, pageProximity(entity.bbox, diagram.elements.get(c.elementId)?.bbox, diagram.scale.labelReach)),
  }));
}
