/**
 * What we ask Claude and Gemini for, and how their answer is checked before stage C sees it.
 * Claude reports through a tool whose `input_schema` is the answer's shape, so its answer arrives
 * as a JSON object; Gemini answers JSON text under a response schema. Text is parsed with
 * `jsonrepair` (code fences, prose before the object, trailing commas, single quotes, an answer
 * cut off at the token limit). Either way the object is then checked with zod item by item (a bad
 * element is dropped, not the whole answer), relations must point at kept elements, and
 * coordinates are mapped back to the image stage C was given. An answer with nothing usable is
 * rejected. The model is never trusted blindly.
 */
import { z } from 'zod';
import { ProviderError } from '@mpp/resilience';
import type { VisionParseOutput } from '@mpp/schemas';

// jsonrepair is an ES module with a CommonJS build; our packages compile to CommonJS, so it is
// required (Node picks `lib/cjs`) and typed through an import-mode type query (as @google/genai).
type JsonRepairModule = typeof import('jsonrepair', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { jsonrepair } = require('jsonrepair') as JsonRepairModule;

export type ExternalVisionResult = Omit<VisionParseOutput, 'provider' | 'duration_ms' | 'fallback_reason'>;

const DIAGRAM_TYPES = ['geometry', 'graph', 'chart', 'table', 'none', 'unknown'] as const;
const REGION_TYPES = ['text_line', 'formula', 'diagram', 'table', 'figure'] as const;
const ELEMENT_TYPES = ['point', 'segment', 'line', 'ray', 'circle', 'arc', 'curve', 'axis', 'label', 'angle_mark', 'polygon'] as const;

/** The tool Claude reports its analysis with (`tool_choice` forces it). */
export const VISION_REPORT_TOOL = 'report_diagram';

/** `tool`: the answer goes through that tool's input rather than as a JSON text. */
export function visionPrompt(width: number, height: number, tool?: string): string {
  return [
    `You analyse an image of a math problem (${width}x${height} pixels; origin top-left, x right, y down).`,
    tool ? `Report your analysis by calling the ${tool} tool once, with these fields:` : 'Answer with ONE JSON object and nothing else, with these fields:',
    `- "diagram_type": one of ${DIAGRAM_TYPES.map((t) => `"${t}"`).join(', ')}.`,
    '- "confidence": your overall confidence, 0 to 1.',
    `- "regions": [{"id","type" (${REGION_TYPES.join('|')}),"bbox":[x,y,w,h],"confidence"}] for text lines, formulas and diagrams.`,
    `- "elements": [{"id","type" (${ELEMENT_TYPES.join('|')}),"bbox":[x,y,w,h],"confidence", optional "text" (a label or point name such as "A"), "point":[x,y], "endpoints":[[x1,y1],[x2,y2]], "center":[x,y], "radius", "region_id"}] for every point, segment, circle, arc, curve, axis and label of the diagram.`,
    '- "relations": [{"type" (lies_on|endpoint_of|labels|center_of|tangent_to|parallel|perpendicular|intersects),"from","to","confidence"}] between element ids.',
    'Use pixel coordinates of this image. Do not invent elements you cannot see.',
  ].join('\n');
}

/** JSON schema for Gemini's `responseJsonSchema` (the same shape the prompt asks for). */
export const VISION_RESPONSE_JSON_SCHEMA = {
  type: 'object',
  properties: {
    diagram_type: { type: 'string', enum: [...DIAGRAM_TYPES] },
    confidence: { type: 'number' },
    regions: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, type: { type: 'string', enum: [...REGION_TYPES] }, bbox: { type: 'array', items: { type: 'number' } }, confidence: { type: 'number' } }, required: ['id', 'type', 'bbox'] } },
    elements: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          type: { type: 'string', enum: [...ELEMENT_TYPES] },
          bbox: { type: 'array', items: { type: 'number' } },
          confidence: { type: 'number' },
          text: { type: 'string' },
          point: { type: 'array', items: { type: 'number' } },
          endpoints: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
          center: { type: 'array', items: { type: 'number' } },
          radius: { type: 'number' },
          region_id: { type: 'string' },
        },
        required: ['id', 'type', 'bbox'],
      },
    },
    relations: { type: 'array', items: { type: 'object', properties: { type: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, confidence: { type: 'number' } }, required: ['type', 'from', 'to'] } },
  },
  required: ['diagram_type', 'regions', 'elements'],
} as const;

const Num = z.number().finite();
const Pair = z.tuple([Num, Num]);
const Box = z.tuple([Num, Num, Num.nonnegative(), Num.nonnegative()]);
const Conf = z.number().min(0).max(1).catch(0.5).default(0.5);
const AnswerRegion = z.object({ id: z.string().min(1).max(64), type: z.enum(REGION_TYPES), bbox: Box, confidence: Conf });
const AnswerElement = z.object({
  id: z.string().min(1).max(64),
  type: z.enum(ELEMENT_TYPES),
  bbox: Box,
  confidence: Conf,
  text: z.string().max(200).optional(),
  point: Pair.optional(),
  endpoints: z.tuple([Pair, Pair]).optional(),
  center: Pair.optional(),
  radius: Num.nonnegative().optional(),
  region_id: z.string().optional(),
});
const AnswerRelation = z.object({ type: z.string().min(1).max(40), from: z.string(), to: z.string(), confidence: Conf });
const AnswerShape = z.object({
  diagram_type: z.enum(DIAGRAM_TYPES).catch('unknown').default('unknown'),
  confidence: Conf,
  regions: z.array(z.unknown()).default([]),
  elements: z.array(z.unknown()).default([]),
  relations: z.array(z.unknown()).default([]),
});

/**
 * The JSON object in a model's text, repaired by `jsonrepair`; undefined when there is none.
 * The text is cut to start at the first `{` (inside a code fence when there is one): prose before
 * the object is not JSON and jsonrepair would read it as a value of its own. The end is tried at
 * the last `}` first (prose after the object), then at the end of the text (an answer cut off
 * mid-object, which jsonrepair closes).
 */
export function extractJsonObject(text: string): unknown {
  const fence = /```(?:json)?\s*([\s\S]*?)(?:```|$)/i.exec(text);
  const body = fence?.[1] ?? text;
  const start = body.indexOf('{');
  if (start < 0) return undefined;
  const end = body.lastIndexOf('}');
  const candidates = end > start ? [body.slice(start, end + 1), body.slice(start)] : [body.slice(start)];
  for (const candidate of candidates) {
    try {
      const value: unknown = JSON.parse(jsonrepair(candidate));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
    } catch {
      // not repairable this way; try the next cut
    }
  }
  return undefined;
}

function malformed(provider: string, why: string): ProviderError {
  return new ProviderError(provider, 'malformed_answer', `${provider} answer rejected: ${why}`, { retryable: false, countsAsFailure: false });
}

/** Validates and maps a model's text answer; throws `malformed_answer` when nothing usable is left. */
export function parseVisionAnswer(provider: string, text: string, scaleBack: number): ExternalVisionResult {
  const json = extractJsonObject(text);
  if (json === undefined) throw malformed(provider, 'no JSON object in the answer');
  return parseVisionObject(provider, json, scaleBack);
}

/** Validates and maps an answer already parsed (a tool's input); throws `malformed_answer` when nothing usable is left. */
export function parseVisionObject(provider: string, json: unknown, scaleBack: number): ExternalVisionResult {
  const shape = AnswerShape.safeParse(json);
  if (!shape.success) throw malformed(provider, 'the JSON is not the requested object');
  const s = (v: number) => Math.round(v * scaleBack * 100) / 100;
  const pt = (p: readonly [number, number]) => ({ x: s(p[0]), y: s(p[1]) });
  const box = (b: readonly [number, number, number, number]) => ({ x: s(b[0]), y: s(b[1]), w: s(b[2]), h: s(b[3]) });

  const regions = new Map<string, ExternalVisionResult['regions'][number]>();
  for (const item of shape.data.regions) {
    const r = AnswerRegion.safeParse(item);
    if (r.success && !regions.has(r.data.id)) regions.set(r.data.id, { id: r.data.id, type: r.data.type, bbox: box(r.data.bbox), confidence: r.data.confidence });
  }
  const elements = new Map<string, ExternalVisionResult['elements'][number]>();
  for (const item of shape.data.elements) {
    const e = AnswerElement.safeParse(item);
    if (!e.success || elements.has(e.data.id)) continue;
    const d = e.data;
    elements.set(d.id, {
      id: d.id,
      type: d.type,
      bbox: box(d.bbox),
      confidence: d.confidence,
      ...(d.text !== undefined ? { text: d.text } : {}),
      ...(d.point ? { point: pt(d.point) } : {}),
      ...(d.endpoints ? { endpoints: [pt(d.endpoints[0]), pt(d.endpoints[1])] as [{ x: number; y: number }, { x: number; y: number }] } : {}),
      ...(d.center ? { center: pt(d.center) } : {}),
      ...(d.radius !== undefined ? { radius: s(d.radius) } : {}),
      ...(d.region_id !== undefined && regions.has(d.region_id) ? { region_id: d.region_id } : {}),
    });
  }
  const relations: ExternalVisionResult['relations'] = [];
  for (const item of shape.data.relations) {
    const r = AnswerRelation.safeParse(item);
    if (r.success && elements.has(r.data.from) && elements.has(r.data.to)) relations.push(r.data);
  }
  const dropped = shape.data.regions.length - regions.size + (shape.data.elements.length - elements.size);
  if (regions.size === 0 && elements.size === 0 && shape.data.diagram_type !== 'none') {
    throw malformed(provider, 'no valid region or element');
  }
  // Items we had to drop lower our trust in the rest.
  const total = shape.data.regions.length + shape.data.elements.length;
  const penalty = total > 0 ? dropped / total : 0;
  return {
    diagram_type: shape.data.diagram_type,
    regions: [...regions.values()],
    elements: [...elements.values()],
    relations,
    confidence: Math.max(0, Math.min(1, shape.data.confidence * (1 - penalty))),
  };
}
