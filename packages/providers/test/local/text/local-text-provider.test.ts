/**
 * The local text provider end to end: real tesseract, real sharp, the textbook fixtures. One
 * engine for the file (tesseract takes about half a second per image), terminated at the end.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { TextParseOutput, type BBox } from '@mpp/schemas';
import { LocalTextProvider, type LocalTextResult } from '../../../src/local/text';
import { TesseractEngine } from '../../../src/local/tesseract-engine';

const FIXTURES = path.join(__dirname, '../../../../../test/fixtures');
const fixture = (...parts: string[]) => readFileSync(path.join(FIXTURES, ...parts));

const engine = new TesseractEngine();
const provider = new LocalTextProvider(engine);
afterAll(() => engine.terminate());

const results = new Map<string, LocalTextResult>();
/** Each fixture is read once per file; several tests look at the same answer. */
async function parsed(id: string): Promise<LocalTextResult> {
  let result = results.get(id);
  if (!result) {
    result = await provider.parse(fixture('textbook', id, 'img_problem.png'), { signal: new AbortController().signal });
    results.set(id, result);
  }
  return result;
}

const inside = (b: BBox, width: number, height: number) => b.x >= 0 && b.y >= 0 && b.w > 0 && b.h > 0 && b.x + b.w <= width && b.y + b.h <= height;
/** Words of the Markdown text with the `$` delimiters removed. */
const textWords = (text: string) => text.replace(/\$/g, ' ').split(/\s+/).filter(Boolean);

describe('LocalTextProvider on textbook/11 (prose, inline math, a circle diagram on the right)', () => {
  it('reads the prose and writes the equations as inline LaTeX', async () => {
    const r = await parsed('11');
    expect(r.text).toContain('Find each measure.');
    expect(r.text).toContain('$AB = 30$');
    expect(r.text).toContain('$CD = 30$');
    expect(r.text).toContain('$\\odot X$');
    expect(r.text.split('\n')[0]).toMatch(/^In \$\\odot X\$, \$AB = 30\$, \$CD = 30\$, and \$m.*CZ.* = 40\$\.$/);
  });

  it('keeps one Markdown line per OCR line and the exercise items with their names', async () => {
    const r = await parsed('11');
    const nonEmpty = r.text.split('\n').filter((l) => l.trim() !== '');
    expect(nonEmpty).toHaveLength(r.lines.length);
    expect(r.text).toContain('11. $AM$ 12. $MB$');
    expect(r.text).toMatch(/13\. \$CN\$ 14\. \$ND\$/);
  });

  it('gives every line and word a box inside the image and a confidence in 0..1', async () => {
    const r = await parsed('11');
    expect(r.lines.length).toBeGreaterThanOrEqual(5);
    for (const line of r.lines) {
      expect(inside(line.bbox, 1031, 293)).toBe(true);
      expect(line.confidence).toBeGreaterThanOrEqual(0);
      expect(line.confidence).toBeLessThanOrEqual(1);
      for (const word of line.words) expect(inside(word.bbox, 1031, 293)).toBe(true);
    }
    // The prose sits left of the diagram, which starts around x = 780.
    expect(Math.max(...r.lines.map((l) => l.bbox.x + l.bbox.w))).toBeLessThan(760);
  });

  it('lists formulas with LaTeX, boxes around their words and inline display', async () => {
    const r = await parsed('11');
    const ab = r.formulas.find((f) => f.latex === 'AB = 30');
    expect(ab).toBeDefined();
    expect(ab!.display).toBe(false);
    // "AB = 30" is printed at about x 119-246, y 14-41 on the first line.
    expect(ab!.bbox!.x).toBeGreaterThan(100);
    expect(ab!.bbox!.x + ab!.bbox!.w).toBeLessThan(270);
    expect(ab!.bbox!.y).toBeLessThan(45);
    expect(r.formulas.some((f) => f.latex === '\\odot X')).toBe(true);
  });

  it('types lines as text or mixed and reports a high overall confidence', async () => {
    const r = await parsed('11');
    expect(r.lines.find((l) => l.text === 'Find each measure.')?.type).toBe('text');
    expect(r.lines[0]!.type).toBe('mixed');
    expect(r.confidence).toBeGreaterThan(0.8);
    expect(r.confidence).toBeLessThanOrEqual(1);
  });

  it('answers with a shape the stage schema accepts and a small raw payload', async () => {
    const r = await parsed('11');
    expect(() => TextParseOutput.parse({ ...r, provider: 'local', duration_ms: 1 })).not.toThrow();
    expect(JSON.stringify(r.raw).length).toBeLessThan(2_000);
  });
});

describe('LocalTextProvider on diagram-heavy images', () => {
  it('textbook/12: reads the instruction and keeps the diagram labels out of the text', async () => {
    const r = await parsed('12');
    expect(r.text.startsWith('Find $x$. Assume that segments that appear to be tangent are tangent.')).toBe(true);
    // Points R S T U V, W X Y Z P, G H J K, A B C D E are printed inside the four diagrams.
    expect(textWords(r.text).filter((w) => /^[A-Z]$/.test(w))).toEqual([]);
    const labelTexts = (r.labels ?? []).map((l) => l.text);
    expect(labelTexts.filter((t) => /^[A-Z]$/.test(t)).length).toBeGreaterThanOrEqual(5);
    expect((r.labels ?? []).every((l) => l.reason === 'diagram_region')).toBe(true);
  });

  it('textbook/12: reads expressions inside a diagram as labels with LaTeX', async () => {
    const r = await parsed('12');
    expect((r.labels ?? []).some((l) => l.latex !== undefined && /^x \+ \d$/.test(l.latex))).toBe(true);
  });

  it('textbook/13: a diagram without prose gives no text, only math labels', async () => {
    const r = await parsed('13');
    expect(r.text).toBe('');
    expect(r.lines).toEqual([]);
    const latex = (r.labels ?? []).map((l) => l.latex);
    expect(latex).toContain('2x + 3');
    expect(latex).toContain('5x');
    expect(latex.some((l) => l !== undefined && /^8y - 36$/.test(l))).toBe(true);
  });

  it('textbook/15: reads "Find x and y." with both variables as math and leaves the measures out', async () => {
    const r = await parsed('15');
    expect(r.text.split('\n')[0]).toBe('Find $x$ and $y$.');
    expect(r.formulas.map((f) => f.latex)).toEqual(expect.arrayContaining(['x', 'y']));
    // 12, 10, 21, 30°, 60° are side lengths and angles written inside the triangles.
    for (const measure of ['10', '12', '21', '30', '60']) expect(textWords(r.text)).not.toContain(measure);
  });
});

describe('LocalTextProvider options and preprocessing', () => {
  it('treats words inside hinted exclude_regions as diagram labels', async () => {
    const image = fixture('textbook', '11', 'img_problem.png');
    // The two-column exercise list (11. AM ... 18. mYB) as if stage C had called it a diagram.
    const region = { x: 0, y: 90, w: 600, h: 190 };
    const r = await provider.parse(image, { signal: new AbortController().signal, hints: { exclude_regions: [region] } });
    expect(r.text).toContain('Find each measure.');
    expect(r.text).not.toContain('AM');
    expect((r.labels ?? []).some((l) => l.text.includes('AM') && l.reason === 'diagram_region')).toBe(true);
  });

  it('reads light text on a dark page by inverting it first', async () => {
    const image = await sharp(fixture('textbook', '11', 'img_problem.png')).negate({ alpha: false }).png().toBuffer();
    const r = await provider.parse(image, { signal: new AbortController().signal });
    expect(r.text).toContain('Find each measure.');
    expect((r.raw as { inverted: boolean }).inverted).toBe(true);
  });

  it('upscales small text and maps boxes back to the input pixels', async () => {
    const image = fixture('im2latex', '73b51f198b.png');
    const { width, height } = await sharp(image).metadata();
    const r = await provider.parse(image, { signal: new AbortController().signal });
    expect((r.raw as { upscale: number }).upscale).toBeGreaterThan(1);
    expect(r.lines.length).toBeGreaterThan(0);
    for (const line of r.lines) expect(inside(line.bbox, width!, height!)).toBe(true);
  });

  it('rejects without reading when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('job cancelled'));
    await expect(provider.parse(fixture('textbook', '11', 'img_problem.png'), { signal: controller.signal })).rejects.toThrow('job cancelled');
  });
});
