/**
 * Maps a Mathpix `v3/text` answer into stage B's schema: Mathpix Markdown (`\( \)` inline,
 * `\[ \]` display) becomes our `$...$` / `$$...$$` text; `line_data` polygons (`cnt`) become
 * boxes; formulas are taken per line.
 *
 * A formula gets a box only when its box is known. A line that is nothing but one formula gives
 * it the line's box. An inline formula inside a line of prose does not get the line's box: stage F
 * would then compare the rendered formula with the whole line's ink, score a correct formula low
 * and send the job to review. Such a formula has no box (F skips it) unless the answer carries
 * `word_data`, whose math words have boxes of their own. (Mathpix refuses `include_word_data`
 * together with `include_line_data`, which stage B needs for its lines, so we do not ask for it;
 * an answer that has it is still used.)
 */
import type { BBox, TextParseOutput } from '@mpp/schemas';
import type { MathpixLine, MathpixResponse, MathpixWord } from './mathpix-wire';

export type MathpixTextResult = Omit<TextParseOutput, 'provider' | 'duration_ms' | 'fallback_reason'>;
type Formula = MathpixTextResult['formulas'][number];
type Line = MathpixTextResult['lines'][number];

const clamp01 = (v: number | undefined, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : fallback);

const DISPLAY = /\\\[([\s\S]*?)\\\]/g;
const INLINE = /\\\(([\s\S]*?)\\\)/g;
const ANY_MATH = /\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]/g;

/** Mathpix Markdown delimiters to ours. */
export function toDollarMath(text: string): string {
  return text.replace(DISPLAY, (_m, body: string) => `$$${body.trim()}$$`).replace(INLINE, (_m, body: string) => `$${body.trim()}$`);
}

/** Formulas in Mathpix Markdown, in order of appearance, without boxes. */
export function extractFormulas(text: string, confidence: number): Formula[] {
  const found: Array<{ at: number; f: Formula }> = [];
  for (const m of text.matchAll(DISPLAY)) found.push({ at: m.index ?? 0, f: { latex: (m[1] ?? '').trim(), display: true, confidence } });
  for (const m of text.matchAll(INLINE)) found.push({ at: m.index ?? 0, f: { latex: (m[1] ?? '').trim(), display: false, confidence } });
  return found.sort((a, b) => a.at - b.at).map((x) => x.f).filter((f) => f.latex.length > 0);
}

export function contourToBox(cnt: ReadonlyArray<readonly [number, number]> | undefined): BBox | undefined {
  if (!cnt || cnt.length === 0) return undefined;
  const xs = cnt.map((p) => p[0]);
  const ys = cnt.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, w: Math.max(...xs) - x, h: Math.max(...ys) - y };
}

/** Prose left on a line once its formulas are taken out. */
const proseOf = (text: string): string => text.replace(ANY_MATH, '').trim();

function lineType(line: MathpixLine, text: string): Line['type'] {
  if (line.type === 'math') return 'math';
  const hasMath = /\\\(|\\\[/.test(text);
  return hasMath ? (proseOf(text).length > 0 ? 'mixed' : 'math') : 'text';
}

/** Formulas of one line; only a line that is exactly one formula lends it its box. */
function lineFormulas(line: MathpixLine, raw: string, confidence: number, bbox: BBox): Formula[] {
  if (line.type === 'math' && !/\\\(|\\\[/.test(raw)) return [{ latex: raw.trim(), display: false, confidence, bbox }];
  const formulas = extractFormulas(raw, confidence);
  if (formulas.length === 1 && proseOf(raw).length === 0) return [{ ...formulas[0]!, bbox }];
  return formulas;
}

const sameLatex = (a: string): string => a.replace(/\s+/g, '');
/** A math word's LaTeX: its `latex`, else its Mathpix Markdown `text` without the delimiters. */
const wordLatex = (w: MathpixWord): string => w.latex ?? (w.text ?? '').replace(/^\s*\\[([]|\\[)\]]\s*$/g, '');

/** Gives a formula without a box the box of the next unused `word_data` math word with its LaTeX. */
function boxFromWords(formulas: Formula[], words: readonly MathpixWord[] | undefined): Formula[] {
  const math = (words ?? [])
    .filter((w) => w.type === 'math')
    .map((w) => ({ latex: sameLatex(wordLatex(w)), bbox: contourToBox(w.cnt), used: false }));
  if (math.length === 0) return formulas;
  return formulas.map((f) => {
    if (f.bbox) return f;
    const word = math.find((w) => !w.used && w.bbox && w.latex === sameLatex(f.latex));
    if (!word) return f;
    word.used = true;
    return { ...f, bbox: word.bbox! };
  });
}

export function mapMathpixText(answer: MathpixResponse): MathpixTextResult {
  const overall = clamp01(answer.confidence ?? answer.confidence_rate, 0.5);
  const lines: Line[] = [];
  const formulas: Formula[] = [];
  for (const line of answer.line_data ?? []) {
    const raw = line.text ?? '';
    const bbox = contourToBox(line.cnt);
    if (line.included === false || !raw.trim() || !bbox) continue;
    const confidence = clamp01(line.confidence ?? line.confidence_rate, overall);
    const mathOnlyLine = line.type === 'math' && !/\\\(|\\\[/.test(raw);
    lines.push({ text: mathOnlyLine ? `$${raw.trim()}$` : toDollarMath(raw), bbox, confidence, type: lineType(line, raw), words: [] });
    formulas.push(...lineFormulas(line, raw, confidence, bbox));
  }
  const text = answer.text ?? '';
  // Without line data the formulas still come from the whole text, boxed only by word data.
  if (lines.length === 0) formulas.push(...extractFormulas(text, overall));
  return {
    text: toDollarMath(text),
    ...(answer.latex_styled ? { latex_styled: answer.latex_styled } : {}),
    lines,
    formulas: boxFromWords(formulas, answer.word_data),
    confidence: overall,
    raw: { request_id: answer.request_id, data: answer.data?.slice(0, 50), image_width: answer.image_width, image_height: answer.image_height },
  };
}
