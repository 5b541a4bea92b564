/**
 * Function graphs in the semantic graph: a plot (curve, or straight element in a diagram with
 * axes) that alignment tied to an equation of the text is the `graph_of` that equation; an axis
 * that alignment tied to the variable `x` or `y` carries it as a prop; and a diagram label that
 * prints the axis's letter at one of its ends `labels` the axis.
 */
import type { AlignmentOutput } from '@mpp/schemas';
import type { DiagramIndex } from '../alignment/diagram-index';
import { distance } from '../alignment/geometry';
import type { GraphBuilder } from './graph-builder';

const PLOT_TYPES = new Set(['curve', 'segment', 'line', 'ray']);

function plotEquations(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>, alignment: AlignmentOutput): void {
  const entities = new Map(alignment.entities.map((e) => [e.id, e]));
  for (const pair of alignment.pairs) {
    const entity = entities.get(pair.entity_id);
    const element = diagram.elements.get(pair.element_id);
    const plotId = elementNodes.get(pair.element_id);
    if (entity?.kind !== 'equation' || !element || !PLOT_TYPES.has(element.type) || !plotId) continue;
    // The statement may have become `variable:y equals expression` in the text nodes; the
    // equation as a whole is what the plot draws, so it gets a node of its own.
    if (!graph.hasNode(entity.id)) graph.addNode(entity.id, 'equation', { stage: 'B', ref: entity.text, confidence: pair.semantic_score }, { label: entity.text, props: { latex: entity.text } });
    graph.addEdge('graph_of', plotId, entity.id, { stage: 'D', ref: pair.element_id, confidence: pair.score });
  }
}

function nameAxes(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>, alignment: AlignmentOutput | undefined): void {
  for (const pair of alignment?.pairs ?? []) {
    const axisId = elementNodes.get(pair.element_id);
    if (pair.entity_id.startsWith('variable:') && axisId && graph.nodeType(axisId) === 'axis') {
      graph.setNodeProp(axisId, 'variable', pair.entity_id.slice('variable:'.length));
      graph.addNode(axisId, 'axis', { stage: 'D', ref: pair.entity_id, confidence: 0.5 * pair.score });
    }
  }
  for (const element of diagram.elements.values()) {
    const axisId = elementNodes.get(element.id);
    if (element.type !== 'axis' || !element.endpoints || !axisId) continue;
    for (const label of diagram.labels) {
      const letter = label.text.replace(/\$/g, '').trim();
      if (letter !== 'x' && letter !== 'y') continue;
      const centre = { x: label.bbox.x + label.bbox.w / 2, y: label.bbox.y + label.bbox.h / 2 };
      const d = Math.min(...element.endpoints.map((end) => distance(centre, end)));
      const horizontal = Math.abs(element.endpoints[1].x - element.endpoints[0].x) >= Math.abs(element.endpoints[1].y - element.endpoints[0].y);
      if (d > 2 * diagram.scale.labelReach || horizontal !== (letter === 'x')) continue;
      graph.addEdge('labels', `label:${label.elementId}`, axisId, { stage: 'C', ref: label.elementId, confidence: label.confidence });
    }
  }
}

export function linkPlots(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>, alignment: AlignmentOutput | undefined): void {
  if (alignment) plotEquations(graph, diagram, elementNodes, alignment);
  nameAxes(graph, diagram, elementNodes, alignment);
}
