/**
 * The standalone LaTeX document of a problem: stage B's Markdown-style text with its math kept
 * as LaTeX and its prose escaped, and the diagram as a TikZ picture.
 *
 * The text comes from OCR of an untrusted image, so math that would do more than typeset (file
 * access, shell escape, redefinitions) or that would break the document (unbalanced braces) is
 * printed as escaped text instead of being passed through.
 */

export interface LatexDocumentParts {
  /** Markdown-style text: prose with `$...$`, `$$...$$`, `\(...\)` or `\[...\]` math. */
  text?: string;
  /** A complete `tikzpicture` environment. */
  tikz?: string;
}

type Segment = { kind: 'prose'; text: string } | { kind: 'math'; text: string; display: boolean };

const MATH_PATTERN = /\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\\(([\s\S]+?)\\\)|(?<!\\)\$((?:\\\$|[^$\n])+?)\$/g;

/** Splits text into prose and math; math delimiters are dropped, the display flag kept. */
export function splitMath(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  for (const match of text.matchAll(MATH_PATTERN)) {
    const start = match.index ?? 0;
    if (start > last) segments.push({ kind: 'prose', text: text.slice(last, start) });
    const display = match[1] !== undefined || match[2] !== undefined;
    const body = match[1] ?? match[2] ?? match[3] ?? match[4] ?? '';
    segments.push({ kind: 'math', text: body.trim(), display });
    last = start + match[0].length;
  }
  if (last < text.length) segments.push({ kind: 'prose', text: text.slice(last) });
  return segments;
}

const PROSE_ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  $: '\\$',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
  // Math symbols OCR leaves in prose: LaTeX's text fonts have no glyph for them.
  '⊙': '$\\odot$',
  '∠': '$\\angle$',
  '△': '$\\triangle$',
  '°': '$^\\circ$',
  'π': '$\\pi$',
  '≅': '$\\cong$',
  '⊥': '$\\perp$',
  '∥': '$\\parallel$',
  '≤': '$\\le$',
  '≥': '$\\ge$',
  '≠': '$\\ne$',
  '±': '$\\pm$',
  '×': '$\\times$',
  '÷': '$\\div$',
  '√': '$\\surd$',
  '∞': '$\\infty$',
  '≈': '$\\approx$',
  '∼': '$\\sim$',
  '′': '$^\\prime$',
  '−': '$-$',
  '·': '$\\cdot$',
  '⌒': '$\\frown$',
};
const PROSE_SPECIALS = new RegExp(`[${Object.keys(PROSE_ESCAPES).map((c) => c.replace(/[\\\]^-]/g, '\\$&')).join('')}]`, 'g');

/** Escapes prose for LaTeX; a Markdown-escaped dollar (`\$`) stays one dollar sign. */
export function escapeProse(text: string): string {
  return text
    .split('\\$')
    .map((part) => part.replace(PROSE_SPECIALS, (c) => PROSE_ESCAPES[c] ?? c))
    .join('\\$');
}

/** Control sequences that reach outside typesetting or redefine things; never passed through. */
const UNSAFE_CONTROL = /\\(?:input|include|includeonly|write|immediate|openout|openin|read|catcode|def|edef|gdef|xdef|let|csname|special|usepackage|documentclass|newcommand|renewcommand|providecommand|begin\s*\{\s*document|end\s*\{\s*document|directlua|write18|ShellEscape|loop|jobname)(?![a-zA-Z])/;

function balancedBraces(math: string): boolean {
  let depth = 0;
  for (let i = 0; i < math.length; i++) {
    const c = math[i];
    if (c === '\\') {
      i++; // an escaped brace (\{ \}) does not count
      continue;
    }
    if (c === '{') depth++;
    if (c === '}' && --depth < 0) return false;
  }
  return depth === 0;
}

export function isSafeMath(math: string): boolean {
  return math.length > 0 && balancedBraces(math) && !UNSAFE_CONTROL.test(math) && !/\\(?:\]|\))|\$/.test(math.replace(/\\\$/g, ''));
}

function renderMath(math: string, display: boolean): string {
  if (!isSafeMath(math)) return `\\texttt{${escapeProse(display ? `$$${math}$$` : `$${math}$`)}}`;
  return display ? `\\[ ${math} \\]` : `$${math}$`;
}

/**
 * LaTeX body for Markdown-style text: blank lines separate paragraphs; single line breaks are
 * kept (`\\`), since problem statements put numbered items on their own lines. Math is set
 * aside behind placeholders while lines are handled, so line breaks inside it stay untouched.
 */
export function textToLatex(text: string): string {
  const math: string[] = [];
  const displayLines = new Set<string>();
  const placeholder = (index: number): string => `\u0000${index}\u0000`;
  // Control characters have no business in a document (and NUL marks the placeholders).
  const clean = text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
  const withPlaceholders = splitMath(clean)
    .map((segment) => {
      if (segment.kind === 'prose') return escapeProse(segment.text);
      const token = placeholder(math.push(renderMath(segment.text, segment.display)) - 1);
      if (!segment.display) return token;
      displayLines.add(token);
      // On a line of its own, taking the place of at most one line break either side.
      return `\u0001${token}\u0002`;
    })
    .join('')
    .replace(/[ \t]*\n?[ \t]*\u0001/g, '\n')
    .replace(/\u0002[ \t]*\n?/g, '\n');
  const body = withPlaceholders
    .split(/\n\s*\n/)
    .map((paragraph) => {
      const lines = paragraph.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
      return lines
        .map((line, i) => {
          const next = lines[i + 1];
          if (next === undefined) return line;
          return displayLines.has(line) || displayLines.has(next) ? `${line}\n` : `${line} \\\\\n`;
        })
        .join('');
    })
    .filter((paragraph) => paragraph.length > 0)
    .join('\n\n');
  return body.replace(/\u0000(\d+)\u0000/g, (_token, index: string) => math[Number(index)] ?? '');
}

export function buildLatexDocument(parts: LatexDocumentParts): string {
  const body = parts.text ? textToLatex(parts.text) : '';
  const lines = [
    '% Regenerated by mathpix-pipeline (stage F: regeneration).',
    '\\documentclass{article}',
    '\\usepackage[T1]{fontenc}',
    '\\usepackage{amsmath,amssymb}',
    '\\usepackage{tikz}',
    '\\begin{document}',
  ];
  if (body) lines.push(body);
  if (parts.tikz) lines.push('', '\\begin{center}', parts.tikz, '\\end{center}');
  if (!body && !parts.tikz) lines.push('% Nothing was recognised.');
  lines.push('\\end{document}', '');
  return lines.join('\n');
}
