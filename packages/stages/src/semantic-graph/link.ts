/**
 * Ties the text's objects to the diagram's once both are in the graph: alignment's pairs add
 * stage-D evidence to the nodes they confirm, an arc named in the text lies on the circle its
 * ends lie on, and a segment named in the text but not drawn on its own (AM) records the drawn
 * segment it is part of (chord AB).
 */
import type { AlignmentOutput } from '@mpp/schemas';
import type { DiagramIndex } from '../alignment/diagram-index';
import type { GraphBuilder } from './graph-builder';
import { linkPlots } from './graph-plots';

/**
 * A pair says B's and C's readings agree; it is not a third independent reading (D derives from
 * them), so it counts at half weight in the noisy-or of the node's evidence.
 */
const PAIR_WEIGHT = 0.5;

function addAlignmentEvidence(graph: GraphBuilder, alignment: AlignmentOutput): void {
  for (const pair of alignment.pairs) {
    const type = graph.nodeType(pair.entity_id);
    if (type) graph.addNode(pair.entity_id, type, { stage: 'D', ref: pair.element_id, confidence: PAIR_WEIGHT * pair.score });
  }
}

function placeArcsOnCircles(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>): void {
  const circles = graph.nodeIds('circle');
  for (const arcId of graph.nodeIds('arc')) {
    if (circles.some((c) => graph.hasEdge('lies_on', arcId, c))) continue;
    const name = arcId.slice('arc:'.length);
    const ends = [name[0], name[name.length - 1]];
    const carrier = diagram.circles.find((c) => ends.every((e) => c.on.some((p) => p.name === e)));
    const carrierId = carrier ? elementNodes.get(carrier.element.id) : undefined;
    if (carrier && carrierId) {
      graph.addEdge('lies_on', arcId, carrierId, { stage: 'E', ref: carrier.element.id, confidence: carrier.element.confidence });
    } else if (circles.length === 1 && circles[0]) {
      // One circle in the problem: an arc can only be on it, but nothing measured says so.
      graph.addEdge('lies_on', arcId, circles[0], { stage: 'E', confidence: 0.5 });
    }
  }
}

function recordSegmentParts(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>): void {
  for (const id of graph.nodeIds('segment')) {
    if (graph.nodeProps(id)?.element !== undefined) continue;
    const ends = [...id.slice('segment:'.length)];
    const whole = diagram.segments.find((s) => ends.every((e) => s.ends.includes(e) || s.interior.some((i) => i.name === e)));
    const wholeId = whole ? elementNodes.get(whole.element.id) : undefined;
    if (wholeId && wholeId !== id) graph.setNodeProp(id, 'part_of', wholeId);
  }
}

export function linkTextAndDiagram(graph: GraphBuilder, diagram: DiagramIndex, elementNodes: Map<string, string>, alignment: AlignmentOutput | undefined): void {
  if (alignment) addAlignmentEvidence(graph, alignment);
  placeArcsOnCircles(graph, diagram, elementNodes);
  recordSegmentParts(graph, diagram, elementNodes);
  linkPlots(graph, diagram, elementNodes, alignment);
}
