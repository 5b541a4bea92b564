/**
 * Chooses the alignment pairs from the scored candidates and sums them up. A label or a point
 * element names one thing, so it goes to the entity it fits best; a drawn segment or circle may
 * carry several entities (chord AB carries AB, AM and MB; circle X carries arcs CZ and AB).
 * Each entity keeps at most one pair per element type.
 */
import type { AlignmentPair, TextEntity } from '@mpp/schemas';
import type { AlignmentConfig } from './config';
import type { Candidate } from './candidates';
import { parseNamedId, type NamedKind } from './entity-ids';

export interface ScoredCandidate extends Candidate {
  entityId: string;
  score: number;
}

const EXCLUSIVE_ELEMENT_TYPES = new Set(['label', 'point']);

export function scoreCandidate(entityId: string, c: Candidate, config: AlignmentConfig): ScoredCandidate {
  const score = config.position_weight * c.position + config.semantic_weight * c.semantic;
  return { ...c, entityId, score: Math.min(1, Math.max(0, score)) };
}

export function selectPairs(scored: readonly ScoredCandidate[], config: AlignmentConfig): AlignmentPair[] {
  const ranked = scored.filter((c) => c.score >= config.base_alignment_threshold).sort((a, b) => b.score - a.score || a.entityId.localeCompare(b.entityId));
  const takenElements = new Set<string>();
  const entityTypes = new Set<string>();
  const pairs: AlignmentPair[] = [];
  for (const c of ranked) {
    const typeKey = `${c.entityId}|${c.elementType}`;
    if (entityTypes.has(typeKey)) continue;
    if (EXCLUSIVE_ELEMENT_TYPES.has(c.elementType) && takenElements.has(c.elementId)) continue;
    entityTypes.add(typeKey);
    takenElements.add(c.elementId);
    pairs.push({ entity_id: c.entityId, element_id: c.elementId, score: round(c.score), position_score: round(c.position), semantic_score: round(c.semantic) });
  }
  return pairs;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** Kinds a diagram is expected to show; values, equations and variables are not expected there. */
const DRAWN_KINDS: ReadonlySet<NamedKind> = new Set(['point', 'segment', 'line', 'ray', 'circle', 'arc', 'angle', 'polygon']);

export function isDrawnEntity(entity: TextEntity): boolean {
  const named = parseNamedId(entity.id);
  return named !== undefined && DRAWN_KINDS.has(named.kind);
}

export interface AlignmentSummary {
  alignment_score: number;
  /** Best pair score per entity id. */
  best: Map<string, number>;
}

/**
 * How well text and diagram agree, 0-1: three quarters the mean best score of the entities a
 * diagram should show (an object with no pair of its own gets half the mean score of its points:
 * the points are there even when the drawn object was not recognised), one quarter the share of
 * the diagram's name labels the text uses. With nothing on either side, nothing disagrees: 1.
 */
export function summarise(entities: readonly TextEntity[], pairs: readonly AlignmentPair[], nameLabelIds: readonly string[], diagramHasVariables: boolean): AlignmentSummary {
  const best = new Map<string, number>();
  for (const p of pairs) best.set(p.entity_id, Math.max(best.get(p.entity_id) ?? 0, p.score));
  const scored = entities.filter((e) => isDrawnEntity(e) || (diagramHasVariables && e.id.startsWith('variable:')));
  const entityScores = scored.map((e) => {
    const own = best.get(e.id);
    if (own !== undefined) return own;
    const refs = e.refs.filter((r) => `point:${r}` !== e.id);
    if (refs.length === 0) return 0;
    return 0.5 * (refs.reduce((s, r) => s + (best.get(`point:${r}`) ?? 0), 0) / refs.length);
  });
  const terms: Array<[number, number]> = [];
  if (entityScores.length > 0) terms.push([0.75, entityScores.reduce((s, v) => s + v, 0) / entityScores.length]);
  const textHasPoints = entities.some((e) => e.id.startsWith('point:'));
  if (textHasPoints && nameLabelIds.length > 0) {
    const paired = new Set(pairs.map((p) => p.element_id));
    terms.push([0.25, nameLabelIds.filter((id) => paired.has(id)).length / nameLabelIds.length]);
  }
  const weight = terms.reduce((s, [w]) => s + w, 0);
  const alignment_score = weight === 0 ? 1 : terms.reduce((s, [w, v]) => s + w * v, 0) / weight;
  return { alignment_score: round(alignment_score), best };
}
