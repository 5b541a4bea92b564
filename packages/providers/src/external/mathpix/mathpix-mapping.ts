/**
 * Maps a Mathpix `v3/text` answer into stage B's schema: Mathpix Markdown (`\( \)` inline,
 * `\[ \]` display) becomes our `$...$` / `$$...$$` text; `line_data` polygons (`cnt`) become
 * boxes; formulas are taken per line so they keep their boxes.
 */
import type { BBox, TextParseOutput } from '@mpp/schemas';
import type { MathpixLine, MathpixResponse } from './mathpix-wire';

export type MathpixTextResult = Omit<TextParseOutput, 'provider' | 'duration_ms' | 'fallback_reason'>;
type Formula = MathpixTextResult['formulas'][number];
type Line = MathpixTextResult['lines'][number];

const clamp01 = (v: number | undefined, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : fallback);

/** Mathpix Markdown delimiters to ours. */
export function toDollarMath(text: string): string {
  return text
    .replace(/\\\[([\s\S]*?)\\\]/g, (_m, body: string) => `$$${body.trim()}$$`)
    .replace(/\\\(([\s\S]*?)\\\)/g, (_m, body: string) => `$${body.trim()}$`);
}

/** Formulas in Mathpix Markdown, in order of appearance. */
export function extractFormulas(text: string, confidence: number, bbox?: BBox): Formula[] {
  const found: Array<{ at: number; f: Formula }> = [];
  for (const m of text.matchAll(/\\\[([\s\S]*?)\\\]/g)) found.push({ at: m.index ?? 0, f: { latex: (m[1] ?? '').trim(), display: true, confidence, ...(bbox ? { bbox } : {}) } });
  for (const m of text.matchAll(/\\\(([\s\S]*?)\\\)/g)) found.push({ at: m.index ?? 0, f: { latex: (m[1] ?? '').trim(), display: false, confidence, ...(bbox ? { bbox } : {}) } });
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

function lineType(line: MathpixLine, text: string): Line['type'] {
  if (line.type === 'math') return 'math';
  const hasMath = /\\\(|\\\[/.test(text);
  const rest = text.replace(/\\\([\s\S]*?\\\)|\\\[[\s\S]*?\\\]/g, '').trim();
  return hasMath ? (rest.length > 0 ? 'mixed' : 'math') : 'text';
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
    formulas.push(...(mathOnlyLine ? [{ latex: raw.trim(), display: false, confidence, bbox }] : extractFormulas(raw, confidence, bbox)));
  }
  const text = answer.text ?? '';
  // Without line data the formulas still come from the whole text, without boxes.
  if (lines.length === 0) formulas.push(...extractFormulas(text, overall));
  return {
    text: toDollarMath(text),
    ...(answer.latex_styled ? { latex_styled: answer.latex_styled } : {}),
    lines,
    formulas,
    confidence: overall,
    raw: { request_id: answer.request_id, data: answer.data?.slice(0, 50), image_width: answer.image_width, image_height: answer.image_height },
  };
}
