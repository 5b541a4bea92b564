/**
 * Formulas that stand on their own, found from the ink (display-blocks.ts) and read whole by the
 * math recogniser: first the block finder on hand-made boxes, then the local text provider on
 * pages drawn here (a line of prose over a displayed formula set by MathJax in the TeX fonts),
 * where tesseract alone splits the formula into lines or drops its symbols.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { BBox } from '@mpp/schemas';
import { normalizeLatex, placeTexSvg, texToSvg } from '@mpp/recognizer';
import { displayCandidates, inkBlocks, inlineCandidates } from '../../../src/local/text/display-blocks';
import { defaultFormulaReader, LocalTextProvider, type LocalTextResult } from '../../../src/local/text';
import { beats } from '../../../src/local/text/formula-reader';
import type { WordRole } from '../../../src/local/text/layout';
import { TesseractEngine, type OcrLine, type OcrWord } from '../../../src/local/tesseract-engine';

jest.setTimeout(120_000);

const G = 14; // glyph height of the hand-made pages, in pixels
const box = (x: number, y: number, w: number, h: number): BBox => ({ x, y, w, h });
const word = (text: string, b: BBox, confidence = 0.95): OcrWord => ({ text, bbox: b, confidence });
const line = (...words: OcrWord[]): OcrLine => {
  const x0 = Math.min(...words.map((w) => w.bbox.x));
  const y0 = Math.min(...words.map((w) => w.bbox.y));
  const bbox = box(x0, y0, Math.max(...words.map((w) => w.bbox.x + w.bbox.w)) - x0, Math.max(...words.map((w) => w.bbox.y + w.bbox.h)) - y0);
  return { text: words.map((w) => w.text).join(' '), bbox, confidence: 0.9, words };
};
const prose = (y: number): { components: BBox[]; line: OcrLine } => {
  // "Solve the equation": glyphs 14 px tall, 2 px apart inside a word, 10 px between words.
  const words = [['Solve', 20], ['the', 88], ['equation', 134]] as const;
  const components = words.flatMap(([text, x]) => [...text].map((_, i) => box(x + i * 12, y, 10, G)));
  return { components, line: line(...words.map(([text, x]) => word(text, box(x, y, text.length * 12, G)))) };
};
const rolesOf = (lines: readonly OcrLine[], role: WordRole = 'prose'): WordRole[][] => lines.map((l) => l.words.map(() => role));

describe('when the recogniser\'s reading wins', () => {
  it('at 0.9 whatever tesseract says, from 0.7 when it is 0.05 surer than tesseract, never below 0.7', () => {
    expect(beats(0.9, 0.99, 0.9)).toBe(true);
    expect(beats(0.75, 0.6, 0.9)).toBe(true);
    expect(beats(0.75, 0.72, 0.9)).toBe(false);
    expect(beats(0.69, 0, 0.9)).toBe(false);
    // A configured threshold below the floor lowers the floor with it.
    expect(beats(0.55, 0.3, 0.5)).toBe(true);
  });
});

describe('display blocks from the ink', () => {
  // A fraction under a line of prose: numerator, bar and denominator, each apart from the next
  // by more than the gap that joins ink into one block, and an equals sign and a 3 beside it.
  const fraction = [box(200, 100, 10, G), box(214, 100, 10, G), box(228, 100, 10, G), box(198, 121, 44, 2), box(205, 130, 30, G), box(255, 116, 14, 2), box(255, 122, 14, 2), box(280, 110, 10, G)];

  it('groups ink that touches within a glyph or so, and keeps lines of text apart', () => {
    const page = prose(40);
    const blocks = inkBlocks([...page.components, ...fraction], G);
    const prosePart = blocks.find((b) => b.bbox.y === 40)!;
    expect(prosePart.components).toHaveLength(page.components.length);
    expect(prosePart.bbox.y + prosePart.bbox.h).toBeLessThan(100);
  });

  it('joins a numerator, its bar and its denominator into one candidate, beside the sign after it', () => {
    const page = prose(40);
    const lines = [page.line, line(word('1', box(205, 130, 30, G), 0.6))];
    const [candidate, ...rest] = displayCandidates(lines, rolesOf(lines), { glyphHeight: G, components: [...page.components, ...fraction], lineArt: [], excludeRegions: [] });
    expect(rest).toEqual([]);
    expect(candidate!.bbox).toEqual(box(198, 100, 92, 44));
    // Tesseract's one word there covers the denominator's share of the ink, and it was unsure of it.
    expect(candidate!.words).toEqual([[1, 0]]);
    expect(candidate!.tesseractScore).toBeGreaterThan(0);
    expect(candidate!.tesseractScore).toBeLessThan(0.3);
  });

  it('never makes a candidate of prose, even a line with a formula in it', () => {
    const page = prose(40);
    const lines = [page.line];
    expect(displayCandidates(lines, rolesOf(lines), { glyphHeight: G, components: page.components, lineArt: [], excludeRegions: [] })).toEqual([]);
  });

  it('does not join a formula to a sentence right above it, and counts function names as math', () => {
    const page = prose(78); // the prose ends 8 px above the numerator: close enough for parts of one formula
    const lines = [page.line, line(word('sin', box(205, 130, 30, G), 0.5), word('cos', box(240, 130, 30, G), 0.5))];
    const candidates = displayCandidates(lines, rolesOf(lines), { glyphHeight: G, components: [...page.components, ...fraction], lineArt: [], excludeRegions: [] });
    expect(candidates.map((c) => c.bbox)).toEqual([box(198, 100, 92, 44)]);
  });

  it('leaves a block that tesseract read whole and surely to tesseract', () => {
    const sum = [box(100, 100, 10, G), box(114, 104, 10, 2), box(114, 108, 10, 2), box(128, 100, 10, G)]; // 1 = 2
    const lines = [line(word('1=2', box(100, 100, 38, G), 0.97))];
    expect(displayCandidates(lines, rolesOf(lines), { glyphHeight: G, components: sum, lineArt: [], excludeRegions: [] })).toEqual([]);
  });

  it('drops labels: ink beside a diagram, in a hinted diagram region, or far from the text column', () => {
    const label = [box(400, 100, 10, G), box(414, 100, 10, G)];
    const lines = [line(word('AB', box(400, 100, 24, G), 0.4))];
    const layout = { glyphHeight: G, components: label, lineArt: [] as BBox[], excludeRegions: [] as BBox[] };
    expect(displayCandidates(lines, rolesOf(lines), layout)).toHaveLength(1);
    expect(displayCandidates(lines, rolesOf(lines), { ...layout, lineArt: [box(430, 60, 200, 200)] })).toEqual([]);
    expect(displayCandidates(lines, rolesOf(lines), { ...layout, excludeRegions: [box(380, 80, 100, 100)] })).toEqual([]);
    expect(displayCandidates(lines, rolesOf(lines, 'outside_text_column'), layout)).toEqual([]);
  });

  it('takes a tall narrow stroke (an integral sign, a big bracket) as part of the formula, not as a diagram', () => {
    const integral = box(100, 90, 28, 67);
    const body = [box(140, 115, 10, G), box(154, 115, 10, G)];
    const lines = [line(word('tdt', box(140, 115, 24, G), 0.48))];
    const [candidate] = displayCandidates(lines, rolesOf(lines, 'diagram_region'), { glyphHeight: G, components: body, lineArt: [integral], excludeRegions: [] });
    expect(candidate!.bbox).toEqual(box(100, 90, 64, 67));
  });
});

describe('inline formulas from the ink of a line of prose', () => {
  // "Simplify the sum 2/3 and write it": the fraction's digits sit above and below the line's
  // words and tesseract read only its bar, unsurely.
  const sentence = [['Simplify', 20], ['the', 126], ['sum', 172]] as const;
  const after = [['and', 290], ['write', 336], ['it', 406]] as const;
  const glyphsOf = (words: ReadonlyArray<readonly [string, number]>) => words.flatMap(([text, x]) => [...text].map((_, i) => box(x + i * 12, 100, 10, G)));
  const fraction = [box(230, 92, 8, 10), box(226, 104, 16, 2), box(230, 109, 8, 10)];
  const words = [...sentence, ...after].map(([text, x]) => word(text, box(x, 100, text.length * 12, G)));
  const bar = word('-', box(226, 100, 16, G), 0.4);
  const lines = [line(...words.slice(0, 3), bar, ...words.slice(3))];
  const layout = { glyphHeight: G, components: [...glyphsOf(sentence), ...fraction, ...glyphsOf(after)], lineArt: [], excludeRegions: [] };

  it('takes the ink that no word of the sentence covers, above and below the line too', () => {
    const [candidate, ...rest] = inlineCandidates(lines, rolesOf(lines), layout);
    expect(rest).toEqual([]);
    expect(candidate).toMatchObject({ line: 0, bbox: box(226, 92, 16, 27), words: [[0, 3]] });
    expect(candidate!.tesseractScore).toBeLessThan(0.5);
  });

  it('ends the formula at a short word of the sentence (it, is, of), and leaves lines without a sentence to the display blocks', () => {
    // "... sum 2/3 is four": `is` starts 8 px after the fraction, closer than the gap inside a formula.
    const rest = [['is', 250], ['four', 280]] as const;
    const isWords = rest.map(([text, x]) => word(text, box(x, 100, text.length * 12, G)));
    const withIs = [line(...words.slice(0, 3), bar, ...isWords)];
    const [candidate, ...others] = inlineCandidates(withIs, rolesOf(withIs), { ...layout, components: [...glyphsOf(sentence), ...fraction, ...glyphsOf(rest)] });
    expect(others).toEqual([]);
    expect(candidate!.bbox).toEqual(box(226, 92, 16, 27));
    const noSentence = [line(bar)];
    expect(inlineCandidates(noSentence, rolesOf(noSentence), layout)).toEqual([]);
  });
});

/** A line of prose with an inline formula set in the TeX fonts on its baseline. */
async function inlinePage(before: string, latex: string, after: string): Promise<Buffer> {
  const f = texToSvg(latex, false);
  const pxPerEm = 24;
  const beforeWidth = before.length * 12.5; // DejaVu Serif at 22 px, about
  const placed = placeTexSvg(f, { x: 20 + beforeWidth, y: 60 + (f.viewBox.y / 1000) * pxPerEm, pxPerEm, strokeUnits: 10 });
  const afterX = 20 + beforeWidth + (f.viewBox.width / 1000) * pxPerEm + 6;
  const font = 'font-family="DejaVu Serif, serif" font-size="22"';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="120"><rect width="900" height="120" fill="#fff"/><text x="20" y="60" ${font}>${before}</text>${placed}<text x="${afterX}" y="60" ${font}>${after}</text></svg>`;
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale().png().toBuffer();
}

/** A page: a line of prose set in a serif face, and under it a displayed formula in the TeX fonts. */
async function page(latex: string): Promise<Buffer> {
  const formula = texToSvg(latex, true);
  const pxPerEm = 30;
  const placed = placeTexSvg(formula, { x: 200, y: 90, pxPerEm, strokeUnits: 10 });
  const height = Math.ceil(90 + (formula.viewBox.height / 1000) * pxPerEm + 60);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${height}"><rect width="900" height="${height}" fill="#fff"/><text x="20" y="40" font-family="DejaVu Serif, serif" font-size="26">Solve the following equation for the unknown:</text>${placed}</svg>`;
  return sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale().png().toBuffer();
}

describe('LocalTextProvider with the formula recogniser on displayed formulas', () => {
  const engine = new TesseractEngine();
  const withRecogniser = new LocalTextProvider(engine, defaultFormulaReader());
  const tesseractOnly = new LocalTextProvider(engine);
  afterAll(() => engine.terminate());
  const signal = () => AbortSignal.timeout(110_000);
  const norm = (latex: string): string => normalizeLatex(latex).join(' ');

  // [what, formula]: each is read exactly (after normalisation) from the page.
  const CASES: Array<[string, string]> = [
    ['fraction and radical', '\\frac{x+1}{y-2}=\\sqrt{3}'],
    ['sum with limits', '\\sum_{i=1}^{n} a_{i}'],
    ['integral with limits', 'f(x)=\\int_{0}^{1} t^{2}dt'],
    ['limit of a fraction', '\\lim_{x \\to 0} \\frac{\\sin x}{x} = 1'],
    ['matrix', 'A=\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}'],
  ];

  it.each(CASES)('%s: one $$...$$ paragraph after the prose, one display formula with its box', async (_what, latex) => {
    const image = await page(latex);
    const r: LocalTextResult = await withRecogniser.parse(image, { signal: signal() });
    const paragraphs = r.text.split('\n\n');
    expect(paragraphs[0]).toBe('Solve the following equation for the unknown:');
    expect(paragraphs).toHaveLength(2);
    const display = r.formulas.filter((f) => f.display);
    expect(display).toHaveLength(1);
    expect(norm(display[0]!.latex)).toBe(norm(latex));
    expect(paragraphs[1]).toBe(`$$${display[0]!.latex}$$`);
    expect(display[0]!.bbox!.y).toBeGreaterThanOrEqual(85);
    expect(display[0]!.confidence).toBeGreaterThan(0.7);
    // The line that carries it, and what the recogniser was asked and answered.
    expect(r.lines.at(-1)).toMatchObject({ text: paragraphs[1], type: 'math', words: [] });
    const raw = r.raw as { formula_recognizer: { blocks_read: number; blocks_replaced: number; readings: Array<{ index: number; accepted: boolean }> } };
    expect(raw.formula_recognizer.blocks_replaced).toBe(1);
    expect(raw.formula_recognizer.readings.filter((x) => x.index === -1 && x.accepted)).toHaveLength(1);
  });

  it('keeps reading order on a page of prose and displayed formulas, and inline math in the prose as $...$', async () => {
    const parts: string[] = [];
    let y = 10;
    const text = (t: string) => {
      parts.push(`<text x="20" y="${y + 30}" font-family="DejaVu Serif, serif" font-size="24">${t}</text>`);
      y += 50;
    };
    const equation = (latex: string) => {
      const f = texToSvg(latex, true);
      parts.push(placeTexSvg(f, { x: 220, y: y + 10, pxPerEm: 28, strokeUnits: 10 }));
      y += (f.viewBox.height / 1000) * 28 + 30;
    };
    text('The area of the region is given by the integral');
    equation('A=\\int_{a}^{b} f(x)\\,dx');
    text('and by the fundamental theorem of calculus it equals');
    equation('F(b)-F(a)=\\frac{b^{2}-a^{2}}{2}');
    text('when f(x) = x, which proves the claim.');
    const h = Math.ceil(y + 20);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="900" height="${h}"><rect width="900" height="${h}" fill="#fff"/>${parts.join('')}</svg>`;
    const r = await withRecogniser.parse(await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).greyscale().png().toBuffer(), { signal: signal() });
    const paragraphs = r.text.split('\n\n');
    expect(paragraphs).toHaveLength(5);
    expect(paragraphs[0]).toBe('The area of the region is given by the integral');
    expect(norm(paragraphs[1]!.replace(/^\$\$|\$\$$/g, ''))).toBe(norm('A=\\int_{a}^{b} f(x)dx'));
    expect(paragraphs[2]).toBe('and by the fundamental theorem of calculus it equals');
    expect(norm(paragraphs[3]!.replace(/^\$\$|\$\$$/g, ''))).toBe(norm('F(b)-F(a)=\\frac{b^{2}-a^{2}}{2}'));
    expect(paragraphs[4]).toBe('when $f(x) = x$, which proves the claim.');
    expect(r.formulas.map((f) => f.display)).toEqual([true, true, false]);
  });

  // [before, formula, after]: a line of prose with the formula inline, read back as $...$ in place.
  const INLINE: Array<[string, string, string]> = [
    ['Simplify the sum ', '\\frac{2}{3}+\\frac{1}{4}', 'and write it in lowest terms.'],
    ['Show that ', 'x^{2}+y^{2}\\geq 2xy', 'for all real numbers.'],
    ['The value of ', '\\sqrt{16}', 'is four, and so on.'],
    ['Find ', '\\lim_{n\\to\\infty} a_{n}', 'if it exists.'],
  ];

  it.each(INLINE)('inline in prose: "%s" $%s$ "%s"', async (before, latex, after) => {
    const r = await withRecogniser.parse(await inlinePage(before, latex, after), { signal: signal() });
    const [, inside] = /^.*?\$([^$]+)\$.*$/.exec(r.text) ?? [];
    expect(r.text.startsWith(`${before.trim()} $`)).toBe(true);
    expect(r.text.endsWith(`$ ${after}`)).toBe(true);
    expect(norm(inside ?? '')).toBe(norm(latex));
    expect(r.formulas).toHaveLength(1);
    expect(r.formulas[0]).toMatchObject({ display: false });
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]!.type).toBe('mixed');
  });

  it('reads printed arXiv formulas given as whole pages (im2latex-dev fixtures read right by `pnpm bench:stageb`)', async () => {
    const dir = path.join(__dirname, '../../../../../test/fixtures/im2latex');
    const labels = new Map(readFileSync(path.join(dir, 'labels.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t') as [string, string]));
    for (const file of ['164f87aa84.png', '5abbb9b19f.png', '6331d9e7fd.png']) {
      const r = await withRecogniser.parse(readFileSync(path.join(dir, file)), { signal: signal() });
      expect(norm(r.formulas.map((f) => f.latex).join(' '))).toBe(norm(labels.get(file)!));
      expect(r.text).toBe(`$$${r.formulas[0]!.latex}$$`);
    }
  });

  it('changes nothing on textbook pages in sans-serif print, where tesseract reads the math well', async () => {
    const fixture = (id: string) => readFileSync(path.join(__dirname, '../../../../../test/fixtures/textbook', id, 'img_problem.png'));
    for (const id of ['11', '16']) {
      const [ours, alone] = await Promise.all([withRecogniser.parse(fixture(id), { signal: signal() }), tesseractOnly.parse(fixture(id), { signal: signal() })]);
      expect(ours.text).toBe(alone.text);
      expect(ours.formulas.map((f) => f.latex)).toEqual(alone.formulas.map((f) => f.latex));
    }
  });

  it('does better than tesseract alone, which never gets such a formula whole', async () => {
    const latex = CASES[0]![1];
    const alone = await tesseractOnly.parse(await page(latex), { signal: signal() });
    expect(alone.formulas.map((f) => norm(f.latex))).not.toContain(norm(latex));
    expect(alone.raw).not.toHaveProperty('formula_recognizer');
  });
});
