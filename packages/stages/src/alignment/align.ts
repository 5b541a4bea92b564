/**
 * Stage D's work as a pure function: text entities from B, the diagram read by name from C,
 * scored candidates, chosen pairs, inconsistencies and the scores. When B or C was skipped it
 * still reports what it can (the entities, or the unmatched elements) and says so in
 * `fallback_reason`, with a neutral confidence of 0.5: nothing was checked either way.
 */
import type { AlignmentOutput, TextParseOutput, VisionParseOutput } from '@mpp/schemas';
import { entityCandidates } from './candidates';
import type { AlignmentConfig } from './config';
import { emptyDiagramIndex, indexDiagram } from './diagram-index';
import { findInconsistencies, inconsistencyFactor } from './inconsistencies';
import { isDrawnEntity, scoreCandidate, selectPairs, summarise } from './matching';
import { analyseText, EMPTY_ANALYSIS } from './text-analysis';

export type AlignmentResult = Omit<AlignmentOutput, 'provider' | 'duration_ms'>;

const NEUTRAL_CONFIDENCE = 0.5;

export function alignTextWithDiagram(text: TextParseOutput | undefined, vision: VisionParseOutput | undefined, config: AlignmentConfig): AlignmentResult {
  const analysis = text ? analyseText(text) : EMPTY_ANALYSIS;
  const diagram = vision ? indexDiagram(vision) : emptyDiagramIndex();
  const entities = analysis.entities;

  const scored = entities.flatMap((e) => entityCandidates(e, diagram).map((c) => scoreCandidate(e.id, c, config)));
  const pairs = selectPairs(scored, config);
  const nameLabelIds = diagram.labels.filter((l) => l.role === 'point_name').map((l) => l.elementId);
  const diagramHasVariables = diagram.values.some((v) => v.label.role !== 'value');
  const summary = summarise(entities, pairs, nameLabelIds, diagramHasVariables);
  const itemOf = new Map(analysis.statements.map((st) => [st.id, st.item]));
  const inconsistencies = findInconsistencies({ entities, diagram, scored, bestPaired: summary.best, threshold: config.base_alignment_threshold, itemOf });

  const pairedElements = new Set(pairs.map((p) => p.element_id));
  const unmatched_elements = [...diagram.elements.keys()].filter((id) => !pairedElements.has(id));
  const unmatched_entities = entities
    .filter((e) => isDrawnEntity(e) || (diagramHasVariables && e.id.startsWith('variable:')))
    .filter((e) => !summary.best.has(e.id))
    .map((e) => e.id);

  const base = { entities, pairs, unmatched_elements, unmatched_entities, config: { ...config } };
  if (!text || !vision) {
    const missing = [!text ? 'text_parse (B)' : undefined, !vision ? 'vision_parse (C)' : undefined].filter(Boolean).join(' and ');
    return {
      ...base,
      inconsistencies: [{ type: 'other', severity: 'info', message: `${missing} output absent: text and diagram were not compared`, refs: [] }],
      alignment_score: 0,
      confidence: NEUTRAL_CONFIDENCE,
      fallback_reason: `${missing} skipped`,
    };
  }
  if (vision.elements.length === 0) {
    // A problem without a figure: nothing can disagree with the text.
    return {
      ...base,
      inconsistencies: [{ type: 'other', severity: 'info', message: 'the image has no diagram elements to align the text with', refs: [] }],
      alignment_score: 1,
      confidence: 1,
    };
  }
  const confidence = Math.round(summary.alignment_score * inconsistencyFactor(inconsistencies) * 1000) / 1000;
  return { ...base, inconsistencies, alignment_score: summary.alignment_score, confidence };
}
