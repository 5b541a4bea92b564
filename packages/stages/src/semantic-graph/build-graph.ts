/**
 * Stage E's work as a pure function: the diagram's nodes (from C), the text's (from B), the links
 * between them (with D's pairs as evidence), the question's targets, validation and counts.
 * Whatever upstream output is absent is simply not added; with neither B nor C there is nothing
 * to build and the output says so.
 */
import type { AlignmentOutput, SemanticGraphOutput, TextParseOutput, VisionParseOutput } from '@mpp/schemas';
import { emptyDiagramIndex, indexDiagram } from '../alignment/diagram-index';
import { analyseText, EMPTY_ANALYSIS } from '../alignment/text-analysis';
import { addDiagramNodes } from './diagram-nodes';
import { GraphBuilder } from './graph-builder';
import { linkTextAndDiagram } from './link';
import { addTextNodes } from './text-nodes';
import { graphStats, validateGraph } from './validation';

export type SemanticGraphResult = Omit<SemanticGraphOutput, 'provider' | 'duration_ms'>;

export interface GraphInputs {
  text?: TextParseOutput;
  vision?: VisionParseOutput;
  alignment?: AlignmentOutput;
}

function mean(values: readonly number[]): number | undefined {
  return values.length === 0 ? undefined : values.reduce((s, v) => s + v, 0) / values.length;
}

export function buildSemanticGraph(inputs: GraphInputs): SemanticGraphResult {
  const graph = new GraphBuilder();
  const diagram = inputs.vision ? indexDiagram(inputs.vision) : emptyDiagramIndex();
  const analysis = inputs.text ? analyseText(inputs.text) : EMPTY_ANALYSIS;

  const { elementNodes, relationsIgnored } = addDiagramNodes(graph, diagram, inputs.vision);
  if (inputs.text) addTextNodes(graph, analysis, inputs.text);
  linkTextAndDiagram(graph, diagram, elementNodes, inputs.alignment);

  const { nodes, edges, facts } = graph.build();
  const targets = analysis.targets.filter((t) => graph.hasNode(t));
  const validation = validateGraph({ nodes, edges, facts, targets });
  const stats = graphStats({ nodes, edges, facts, targets }, { relations_ignored: relationsIgnored });

  const base = { nodes, edges, facts, targets, validation, stats };
  if (!inputs.text && !inputs.vision) {
    return { ...base, confidence: 0, fallback_reason: 'text_parse (B) and vision_parse (C) outputs absent: no graph to build' };
  }
  // Mean node and edge confidence; an invalid graph loses a fifth. An empty graph (a formula
  // with no named objects) claims nothing, so nothing in it can be wrong.
  const nodeMean = mean(nodes.map((n) => n.confidence));
  const edgeMean = mean(edges.map((e) => e.confidence));
  const parts = [nodeMean, edgeMean].filter((v): v is number => v !== undefined);
  const raw = parts.length === 0 ? 1 : parts.reduce((s, v) => s + v, 0) / parts.length;
  const confidence = Math.round(raw * (validation.valid ? 1 : 0.8) * 1000) / 1000;
  const missing = [!inputs.text ? 'text_parse (B)' : undefined, !inputs.vision ? 'vision_parse (C)' : undefined].filter(Boolean);
  return { ...base, confidence, ...(missing.length > 0 ? { fallback_reason: `${missing.join(' and ')} output absent: graph built from the rest` } : {}) };
}
