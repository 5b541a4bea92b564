/**
 * Turns stage B's text into what alignment and the graph need: every mention of a named object
 * (with the points its name implies), the statements (`AB = 30`), the deduplicated text entities
 * of stage D's output, and the targets of the question part. Deterministic and cheap, so stage E
 * runs it again rather than depending on stage D having run.
 */
import type { TextEntity, TextParseOutput, BBox } from '@mpp/schemas';
import { canonicalName, namedId, pointRefs, type NamedKind } from './entity-ids';
import { scanNames, type NameToken } from './entity-patterns';
import { readStatements } from './statements';
import { normaliseLatex, splitChunks } from './text-chunks';

export interface Mention {
  entityId: string;
  kind: NamedKind;
  /** Canonical name, e.g. `BM` for the written `MB`. */
  name: string;
  /** The name's letters in written order, e.g. `MB`. */
  letters: string;
  written: string;
  measured: boolean;
  /** Text order of the mention. */
  order: number;
  inMath: boolean;
  inQuestion: boolean;
  /** False for points that only appear inside another name (`A` of `AB`). */
  standalone: boolean;
  /** The normalised chunk it came from (to find its formula's box). */
  chunk: string;
}

export interface TextStatement {
  id: string;
  kind: 'value' | 'equation';
  text: string;
  subjectId?: string;
  /** The subject's letters as written (`MB` for `segment:BM`). */
  subjectLetters?: string;
  otherId?: string;
  otherLetters?: string;
  value?: number;
  expression?: string;
  /** The value is a measure (an arc's or angle's degrees, or written with `m`/`°`). */
  measured: boolean;
  inQuestion: boolean;
  refs: string[];
  order: number;
  /** The text's item it belongs to (a worksheet's exercises are items of their own; `findItems`). */
  item: number;
}

export interface TextAnalysis {
  mentions: Mention[];
  statements: TextStatement[];
  entities: TextEntity[];
  /** Entity ids the question asks for, in order. */
  targets: string[];
}

const ENTITY_KIND: Record<NamedKind, TextEntity['kind']> = {
  point: 'point_label',
  segment: 'segment',
  line: 'line',
  ray: 'line',
  circle: 'circle',
  arc: 'arc',
  angle: 'angle',
  polygon: 'other',
  variable: 'other',
};

export const EMPTY_ANALYSIS: TextAnalysis = { mentions: [], statements: [], entities: [], targets: [] };

interface ChunkTokens {
  chunkIndex: number;
  text: string;
  inMath: boolean;
  inQuestion: boolean;
  item: number;
  tokens: NameToken[];
}

/**
 * OCR reads `⊙X` as `OX`. When no other name uses the letter O, a prose `OX` is the circle X
 * rather than a segment from a point O nobody else mentions.
 */
function reinterpretOcrCircles(chunks: ChunkTokens[]): void {
  const usesO = chunks.some((c) => c.tokens.some((t) => t.letters.includes('O') && !(t.kind === 'segment' && !c.inMath && t.letters.startsWith('O'))));
  if (usesO) return;
  for (const c of chunks) {
    if (c.inMath) continue;
    c.tokens = c.tokens.map((t) => (t.kind === 'segment' && t.letters.startsWith('O') && t.written === t.letters ? { ...t, kind: 'circle', letters: t.letters.slice(1) } : t));
  }
}

export function analyseText(text: TextParseOutput): TextAnalysis {
  const source = text.text.trim().length > 0 ? text.text : text.formulas.map((f) => (f.display ? `$$${f.latex}$$` : `$${f.latex}$`)).join('\n');
  const chunks: ChunkTokens[] = splitChunks(source).map((chunk, chunkIndex) => {
    const normalised = normaliseLatex(chunk.text, chunk.inMath);
    return { chunkIndex, text: normalised, inMath: chunk.inMath, inQuestion: chunk.inQuestion, item: chunk.item, tokens: scanNames(normalised, chunk.inMath) };
  });
  reinterpretOcrCircles(chunks);

  const mentions: Mention[] = [];
  const statements: TextStatement[] = [];
  let values = 0;
  let equations = 0;
  for (const c of chunks) {
    for (const token of c.tokens) {
      const order = c.chunkIndex * 10_000 + token.index;
      const name = canonicalName(token.kind, token.letters);
      const base = { order, inMath: c.inMath, inQuestion: c.inQuestion, chunk: c.text };
      mentions.push({ ...base, entityId: namedId(token.kind, token.letters), kind: token.kind, name, letters: token.letters, written: token.written, measured: token.measured, standalone: true });
      if (token.kind === 'point') continue;
      for (const ref of pointRefs(token.kind, token.letters)) {
        mentions.push({ ...base, entityId: namedId('point', ref), kind: 'point', name: ref, letters: ref, written: ref, measured: false, standalone: false });
      }
    }
    for (const s of readStatements(c.text, c.tokens, c.inMath)) {
      const id = s.kind === 'value' ? `value:${++values}` : `equation:${++equations}`;
      const refs = [...new Set(s.tokens.flatMap((t) => pointRefs(t.kind, t.letters)))];
      const subjectKind = s.subject?.kind;
      statements.push({
        id,
        kind: s.kind,
        text: s.text,
        subjectId: s.subject ? namedId(s.subject.kind, s.subject.letters) : undefined,
        subjectLetters: s.subject?.letters,
        otherId: s.other ? namedId(s.other.kind, s.other.letters) : undefined,
        otherLetters: s.other?.letters,
        value: s.value,
        expression: s.expression,
        measured: s.degrees || s.subject?.measured === true || subjectKind === 'arc' || subjectKind === 'angle',
        inQuestion: c.inQuestion,
        refs,
        order: c.chunkIndex * 10_000 + (s.tokens[0]?.index ?? 0),
        item: c.item,
      });
    }
  }
  return { mentions, statements, entities: buildEntities(mentions, statements, text), targets: findTargets(mentions, statements) };
}

function buildEntities(mentions: readonly Mention[], statements: readonly TextStatement[], text: TextParseOutput): TextEntity[] {
  const byId = new Map<string, Mention[]>();
  for (const m of mentions) byId.set(m.entityId, [...(byId.get(m.entityId) ?? []), m]);
  const entities: TextEntity[] = [];
  for (const [id, group] of byId) {
    const first = group.find((m) => m.standalone) ?? group[0];
    if (!first) continue;
    const bbox = locate(first, text);
    entities.push({ id, kind: ENTITY_KIND[first.kind], text: first.written, refs: pointRefs(first.kind, first.name), ...(bbox ? { bbox } : {}) });
  }
  for (const s of statements) {
    entities.push({
      id: s.id,
      kind: s.kind,
      text: s.text,
      refs: s.refs,
      ...(s.value !== undefined ? { value: s.value } : {}),
      ...(s.subjectId ? { subject: s.subjectId } : {}),
    });
  }
  return entities;
}

/** Box of a mention on the page: an OCR word spelling its name, else its formula's box. */
function locate(mention: Mention, text: TextParseOutput): BBox | undefined {
  const spellings = new Set([mention.name, [...mention.name].reverse().join(''), `m${mention.name}`]);
  for (const line of text.lines) {
    for (const word of line.words) {
      if (spellings.has(word.text.replace(/[^A-Za-z0-9]/g, ''))) return word.bbox;
    }
  }
  if (!mention.inMath) return undefined;
  return text.formulas.find((f) => f.bbox && normaliseLatex(f.latex, true) === mention.chunk)?.bbox;
}

/**
 * What the question asks for: the objects named on their own in the question part, minus those
 * the question itself gives a value ("Find x if AB = 3" asks for x, not AB).
 */
function findTargets(mentions: readonly Mention[], statements: readonly TextStatement[]): string[] {
  const given = new Set(statements.filter((s) => s.inQuestion && s.kind === 'value' && s.subjectId).map((s) => s.subjectId as string));
  const targets: string[] = [];
  for (const m of [...mentions].sort((a, b) => a.order - b.order)) {
    if (!m.inQuestion || !m.standalone || given.has(m.entityId) || targets.includes(m.entityId)) continue;
    targets.push(m.entityId);
  }
  return targets;
}
