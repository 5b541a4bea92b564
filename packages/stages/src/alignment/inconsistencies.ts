/**
 * Where text and diagram disagree, typed and graded:
 * - `label_missing_in_diagram` (warning; error when most of the text's points are missing, which
 *   suggests the wrong figure): the text names a point no diagram label shows;
 * - `label_not_in_text` (info): a diagram label the text never mentions (common: "Find x.");
 * - `value_conflict` (error): a value in the text contradicts one marked in the diagram, or the
 *   text gives one object two values in one problem (the exercises of a worksheet are separate); a degree mark at a vertex that contradicts an angle in the
 *   text is a warning, since the mark may belong to another angle at that vertex;
 * - `low_alignment` (info): the best tie of an entity scored under the threshold;
 * - `other`: a name label repeated in the diagram (warning), nothing to align with (info).
 */
import type { Inconsistency, TextEntity } from '@mpp/schemas';
import type { DiagramIndex } from './diagram-types';
import { parseNamedId } from './entity-ids';
import type { ScoredCandidate } from './matching';

function sameValue(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 + 0.005 * Math.max(Math.abs(a), Math.abs(b));
}

function textPointNames(entities: readonly TextEntity[]): string[] {
  return entities.flatMap((e) => {
    const named = parseNamedId(e.id);
    return named?.kind === 'point' ? [named.name] : [];
  });
}

function labelFindings(entities: readonly TextEntity[], diagram: DiagramIndex, pairedEntities: ReadonlySet<string>): Inconsistency[] {
  const out: Inconsistency[] = [];
  const textPoints = textPointNames(entities);
  if (diagram.points.size > 0) {
    const missing = textPoints.filter((name) => !diagram.points.has(name) && !pairedEntities.has(`point:${name}`));
    const severity = missing.length > textPoints.length / 2 ? 'error' : 'warning';
    for (const name of missing) {
      out.push({ type: 'label_missing_in_diagram', severity, message: `the text names point ${name} but no diagram label shows it`, refs: [`point:${name}`] });
    }
  }
  if (entities.length > 0) {
    const mentioned = new Set(textPoints);
    for (const p of diagram.points.values()) {
      if (mentioned.has(p.name)) continue;
      const ref = p.labelId ?? p.pointElementId;
      out.push({ type: 'label_not_in_text', severity: 'info', message: `the diagram labels point ${p.name} but the text never mentions it`, refs: ref ? [ref] : [] });
    }
  }
  for (const d of diagram.duplicateLabels) {
    out.push({ type: 'other', severity: 'warning', message: `the diagram has more than one label ${d.text}`, refs: [d.elementId] });
  }
  return out;
}

function valueFindings(entities: readonly TextEntity[], diagram: DiagramIndex, itemOf: ReadonlyMap<string, number>): Inconsistency[] {
  const out: Inconsistency[] = [];
  const values = entities.filter((e): e is TextEntity & { value: number; subject: string } => e.kind === 'value' && e.value !== undefined && e.subject !== undefined);
  // Two values of one object conflict within one problem; the exercises of a worksheet each give their own.
  const sameItem = (a: TextEntity, b: TextEntity) => (itemOf.get(a.id) ?? 0) === (itemOf.get(b.id) ?? 0);
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) {
      const a = values[i];
      const b = values[j];
      if (a && b && a.subject === b.subject && sameItem(a, b) && !sameValue(a.value, b.value)) {
        out.push({ type: 'value_conflict', severity: 'error', message: `the text gives ${a.subject} two values: ${a.value} and ${b.value}`, refs: [a.id, b.id] });
      }
    }
  }
  for (const v of values) {
    for (const mark of diagram.values) {
      if (mark.label.value === undefined || sameValue(mark.label.value, v.value)) continue;
      if (mark.targetId === v.subject) {
        out.push({
          type: 'value_conflict', severity: 'error',
          message: `the text says ${v.text} but the diagram marks ${mark.label.text} on ${v.subject}`,
          refs: [v.id, mark.label.elementId],
        });
      } else if (mark.vertex !== undefined && mark.label.degrees && v.subject.startsWith('angle:')) {
        const name = v.subject.slice('angle:'.length);
        const vertex = name.length === 3 ? name[1] : name;
        if (vertex === mark.vertex) {
          out.push({
            type: 'value_conflict', severity: 'warning',
            message: `the text says ${v.text} but the diagram marks ${mark.label.text} at vertex ${vertex}`,
            refs: [v.id, mark.label.elementId],
          });
        }
      }
    }
  }
  return out;
}

function lowAlignmentFindings(scored: readonly ScoredCandidate[], bestPaired: ReadonlyMap<string, number>, threshold: number): Inconsistency[] {
  const bestCandidate = new Map<string, ScoredCandidate>();
  for (const c of scored) {
    const current = bestCandidate.get(c.entityId);
    if (!current || c.score > current.score) bestCandidate.set(c.entityId, c);
  }
  const out: Inconsistency[] = [];
  for (const [entityId, c] of bestCandidate) {
    if (bestPaired.has(entityId) || c.score < 0.3) continue;
    out.push({
      type: 'low_alignment', severity: 'info',
      message: `the best match for ${entityId} (${c.elementId}) scored ${c.score.toFixed(2)}, under the threshold ${threshold}`,
      refs: [entityId, c.elementId],
    });
  }
  return out;
}

export interface FindingsInput {
  entities: readonly TextEntity[];
  diagram: DiagramIndex;
  scored: readonly ScoredCandidate[];
  bestPaired: ReadonlyMap<string, number>;
  threshold: number;
  /** The text item of each value entity (`TextStatement.item`); one item when absent. */
  itemOf?: ReadonlyMap<string, number>;
}

export function findInconsistencies(input: FindingsInput): Inconsistency[] {
  const paired = new Set(input.bestPaired.keys());
  return [
    ...labelFindings(input.entities, input.diagram, paired),
    ...valueFindings(input.entities, input.diagram, input.itemOf ?? new Map()),
    ...lowAlignmentFindings(input.scored, input.bestPaired, input.threshold),
  ];
}

/** Confidence lost to what disagrees: each error costs a quarter, each warning 8%. */
export function inconsistencyFactor(inconsistencies: readonly Inconsistency[]): number {
  let factor = 1;
  for (const i of inconsistencies) {
    if (i.severity === 'error') factor *= 0.75;
    else if (i.severity === 'warning') factor *= 0.92;
  }
  return Math.max(0.2, factor);
}
