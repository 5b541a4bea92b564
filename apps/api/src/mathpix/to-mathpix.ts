/**
 * Turns a pipeline job (stage A and B outputs) into Mathpix's `v3/text` response fields, and
 * pipeline failures into Mathpix's `error` / `error_info` pairs (docs/mathpix-compat.md).
 */
import { texToMathml, texToSvg } from '@mpp/stages';
import type { IngestionOutput, JobError, MathpixLineData, MathpixTextRequest, MathpixTextResponse, TextParseOutput } from '@mpp/schemas';

export const DEFAULT_INLINE: [string, string] = ['\\(', '\\)'];
export const DEFAULT_DISPLAY: [string, string] = ['\\[', '\\]'];

export interface MathpixError {
  error: string;
  error_info: { id: string; message: string; [key: string]: unknown };
}

export function mathpixError(id: string, message: string, extra: Record<string, unknown> = {}): MathpixError {
  return { error: message, error_info: { id, message, ...extra } };
}

/** `$$...$$` (tried first: it starts with `$`) or `$...$`, not after a backslash (`\$` is a dollar sign). */
const MATH = /\$\$([\s\S]+?)\$\$|(?<!\\)\$([^$\n]+?)(?<!\\)\$/g;

/** Rewrites each formula of our text in one pass, so delimiters just written (`$` ones too) are never read again. */
function mapMath(text: string, display: (body: string) => string, inline: (body: string) => string): string {
  return text.replace(MATH, (_m, block: string | undefined, span: string | undefined) => (block !== undefined ? display(block.trim()) : inline(span!.trim())));
}

/** `\( x \)` with spaces inside, as Mathpix writes it; symbol delimiters get none: Markdown renderers do not take `$ x $` for math. */
function inlineMath(body: string, [open, close]: [string, string]): string {
  const pad = open.startsWith('\\') ? ' ' : '';
  return `${open}${pad}${body}${pad}${close}`;
}

/** Our `$...$` / `$$...$$` become the asked (or Mathpix's default `\( \)` / `\[ \]`) delimiters; display math on lines of its own, as Mathpix lays it out. */
export function withDelimiters(text: string, inline: [string, string] = DEFAULT_INLINE, display: [string, string] = DEFAULT_DISPLAY): string {
  return mapMath(text, (body) => `${display[0]}\n${body}\n${display[1]}`, (body) => inlineMath(body, inline));
}

/**
 * Mathpix's `html` format, without a math renderer: the text escaped, lines broken with `<br>`, each
 * formula in a `math-inline` / `math-block` span that keeps its delimiters, so a page with MathJax
 * or KaTeX typesets it.
 */
export function toHtml(text: string, inline: [string, string], display: [string, string]): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  const html = mapMath(escaped, (body) => `<span class="math-block">${display[0]}${body}${display[1]}</span>`, (body) => `<span class="math-inline">${inlineMath(body, inline)}</span>`);
  return `<div>${html.replace(/\n/g, '<br>\n')}</div>\n`;
}

export async function toMathpixResponse(requestId: string, req: MathpixTextRequest, image: IngestionOutput | undefined, text: TextParseOutput): Promise<MathpixTextResponse | (MathpixError & { request_id: string })> {
  const formats = req.formats && req.formats.length > 0 ? new Set(req.formats) : new Set(['text']);
  const inline = req.math_inline_delimiters ?? DEFAULT_INLINE;
  const display = req.math_display_delimiters ?? DEFAULT_DISPLAY;
  const body = withDelimiters(text.text, inline, display).trim();
  const confidence = round(text.confidence);
  const confidenceRate = round(text.lines.length ? text.lines.reduce((s, l) => s + l.confidence, 0) / text.lines.length : text.confidence);
  const base: MathpixTextResponse = {
    request_id: requestId,
    ...(image ? { image_width: image.original.width, image_height: image.original.height } : {}),
    is_printed: true,
    is_handwritten: false,
    auto_rotate_confidence: 0,
    auto_rotate_degrees: 0,
    confidence,
    confidence_rate: confidenceRate,
    version: `mathpix-pipeline/${text.provider}`,
  };
  if (!body && text.formulas.length === 0) return { ...base, ...mathpixError('image_no_content', 'Content not found') };
  if (req.confidence_threshold !== undefined && confidence < req.confidence_threshold) {
    return { ...base, ...mathpixError('math_confidence', 'Low confidence', { confidence, confidence_threshold: req.confidence_threshold }) };
  }
  if (req.confidence_rate_threshold !== undefined && confidenceRate < req.confidence_rate_threshold) {
    return { ...base, ...mathpixError('math_confidence', 'Low confidence', { confidence_rate: confidenceRate, confidence_rate_threshold: req.confidence_rate_threshold }) };
  }
  const out: MathpixTextResponse = { ...base };
  if (formats.has('text')) out.text = body;
  if (formats.has('latex_styled')) {
    const latex = text.latex_styled ?? (text.formulas.length === 1 ? text.formulas[0]!.latex : undefined);
    if (latex !== undefined) out.latex_styled = latex;
  }
  if (formats.has('html')) out.html = toHtml(text.text.trim(), inline, display);
  if (formats.has('data')) {
    out.data = await formulaData(text.formulas, req.data_options ?? {});
  }
  if (req.include_line_data) out.line_data = lineData(text, image?.scale ?? 1, inline, display);
  return out;
}

/**
 * `data`: per formula, in the order found, an entry for each type asked: `latex` as read, and
 * `mathml` / `svg` converted from it by MathJax (loaded on the first request that asks). A formula
 * MathJax cannot parse gets no mathml or svg entry. No converter makes asciimath, table html or TSV.
 */
async function formulaData(formulas: TextParseOutput['formulas'], options: NonNullable<MathpixTextRequest['data_options']>): Promise<Array<{ type: string; value: string }>> {
  const data: Array<{ type: string; value: string }> = [];
  for (const f of formulas) {
    if (options.include_latex) data.push({ type: 'latex', value: f.latex });
    if (options.include_mathml) {
      const mathml = await texToMathml(f.latex, f.display);
      if (mathml.mathml) data.push({ type: 'mathml', value: mathml.mathml });
    }
    if (options.include_svg) {
      const svg = await texToSvg(f.latex, f.display);
      if (svg.svg) data.push({ type: 'svg', value: svg.svg });
    }
  }
  return data;
}

function lineData(text: TextParseOutput, scale: number, inline: [string, string], display: [string, string]): MathpixLineData[] {
  // Boxes are in the normalised image; Mathpix reports contours in the sent image's pixels.
  const k = scale > 0 ? 1 / scale : 1;
  return text.lines.map((line) => {
    const x0 = Math.round(line.bbox.x * k);
    const y0 = Math.round(line.bbox.y * k);
    const x1 = Math.round((line.bbox.x + line.bbox.w) * k);
    const y1 = Math.round((line.bbox.y + line.bbox.h) * k);
    return {
      type: line.type === 'math' ? 'math' : 'text',
      ...(line.type === 'math' ? { subtype: 'equation' } : {}),
      cnt: [[x0, y0], [x1, y0], [x1, y1], [x0, y1]] as Array<[number, number]>,
      included: true,
      is_printed: true,
      is_handwritten: false,
      text: withDelimiters(line.text, inline, display),
      confidence: round(line.confidence),
      confidence_rate: round(line.confidence),
    };
  });
}

/** A failed job's error as Mathpix would name it. */
export function jobErrorToMathpix(error: JobError | null): MathpixError {
  const code = error?.code ?? 'unknown';
  const message = error?.message ?? 'processing failed';
  if (error?.stage === 'A' || code.startsWith('image')) return mathpixError('image_decode_error', `Cannot decode image data: ${message}`);
  if (code === 'job_timeout') return mathpixError('sys_exception', `Processing timed out: ${message}`);
  return mathpixError('sys_exception', `Server error: ${message}`, { stage: error?.stage ?? null, code });
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
