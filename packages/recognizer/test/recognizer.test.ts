/**
 * The recogniser on formulas rendered by MathJax (the same Computer Modern shapes LaTeX prints).
 * Only formulas measured to be read correctly are asserted equal to their source; the ones it
 * still gets wrong are listed in README.md ("Limits"), not here. Templates are built once per
 * process (MathRecognizer.create shares them), so the whole file takes a few seconds.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MathRecognizer, normalizeLatex, type Recognition } from '@mpp/recognizer';
import { Rng } from '../bench/rng';
import { renderFormula } from '../bench/synthetic';

const norm = (latex: string): string => normalizeLatex(latex).join(' ');

async function render(latex: string, pxPerEm: number): Promise<Buffer> {
  return renderFormula(latex, { pxPerEm, strokeUnits: 10, blur: 0, noise: 0, pad: 6 }, new Rng(1));
}

let recognizer: MathRecognizer;
beforeAll(async () => {
  recognizer = await MathRecognizer.create();
});

async function read(latex: string, pxPerEm: number): Promise<Recognition> {
  return recognizer.recognize(await render(latex, pxPerEm));
}

// [construct, formula, sizes in px per em at which it is read exactly]
const CASES: Array<[string, string, number[]]> = [
  ['fraction', '\\frac{a}{b}', [16, 24]],
  ['fraction', '\\frac{x+1}{y-2}', [16, 24]],
  ['fraction', '\\frac{1}{2}', [16, 24]],
  ['radical', '\\sqrt{x+y}', [16, 24]],
  ['radical with index', '\\sqrt[3]{x}', [16, 24]],
  ['radical then a comma', '\\sqrt{x},y', [16, 24]],
  ['radical of a scripted base, first in the line', '\\sqrt{\\gamma^{Cp}}\\neq P', [16, 24]],
  ['radical of a base with two scripts, first in the line', '\\sqrt{H_{3}^{\\Psi}}\\leq 6', [16, 24]],
  ['fraction first in a denominator', '\\frac{\\lambda}{\\frac{H}{G}-y}', [24]],
  ['minus before a radical (not its index)', '\\lambda-\\sqrt{t+y}', [16, 24]],
  ['script before a radical (not its index)', 'e^{-31}\\sqrt{N}', [16, 24]],
  ['superscript', 'x^{2}', [16, 24]],
  ['subscript', 'x_{i}', [16, 24]],
  ['subscript kerned into its base', 'a_{n-1}', [16, 24]],
  ['sub- and superscript', 'a_{n}^{2}', [16, 24]],
  ['subscript with a comma', 'x_{i,j}', [24]],
  ['long subscript', '\\delta_{p+k,0}', [16, 24]],
  ['script before its base', '{}^{\\circ}D_{n}', [16]],
  ['scripts in a sum', 'x^{2}+y^{2}=z^{2}', [16, 24]],
  ['big operator with limits', '\\sum_{i=1}^{n}i', [16, 24]],
  ['big operator with limits', '\\sum_{k=0}^{n}a_{k}', [24]],
  ['integral with limits', '\\int_{0}^{1}f(x)dx', [24]],
  ['binary and big operator', 'a\\otimes b', [16, 24]],
  ['binary and big operator', '\\bigotimes_{i}V_{i}', [16, 24]],
  ['delimiters', '\\left(a+b\\right)', [16, 24]],
  ['function name', '\\sin x', [16, 24]],
  ['function name', '\\log x', [16, 24]],
  ['function name', '\\cos x', [16, 24]],
  ['function name in one piece', '\\ln x', [16, 24]],
  ['function name in one piece', '\\exp z', [16, 24]],
  ['limit name in one piece, dot apart', '\\lim_{x\\rightarrow\\infty}f', [16, 18]],
  ['operator name with a limit below', '\\operatorname*{pyn}_{h\\rightarrow-\\infty}f(x)', [18, 24]],
  ['bold letter told from upright by the weight of its ink', 'x+\\mathbf{b}', [16, 18, 24]],
  ['bold capital told from upright by the weight of its ink', 'y-\\mathbf{J}', [16, 18, 24]],
  ['upright letter among italics not taken for bold', '\\delta+G^{\\mathrm{z}n}', [16, 24]],
  ['upright word with a subscript (not a limit)', '\\mathrm{Tr}_{A}\\rho', [18, 24]],
  ['centred dot', 'a\\cdot b', [16, 24]],
  ['ellipsis on the axis', 'a_{1}+\\cdots+a_{n}', [16, 24]],
  ['ellipsis on the baseline', 'x_{1},\\ldots,x_{n}', [16, 24]],
  ['absolute value bars', '|4|\\times y', [16, 24]],
  ['tilde accent', '\\tilde{q}+\\bar{x}', [24]],
  ['hat and dot accents', '\\hat{A}+\\dot{q}', [24]],
  ['dot accent on a broad capital', 'a\\pm\\dot{H}', [16, 24]],
  ['double dot accent', '\\ddot{x}+\\bar{y}', [16]],
  ['overline and bar', '\\overline{A}+\\bar{g}', [16, 24]],
  ['Greek', '\\alpha+\\beta', [16, 24]],
  ['Theta whose bar stands apart from its ring at large sizes', '\\frac{1}{\\Theta+F}', [16, 28, 32]],
  ['Greek', '\\lambda x', [16, 24]],
  ['Greek and script', '\\pi r^{2}', [16, 24]],
  ['negative exponent', 'e^{-x}', [24]],
  ['double prime', 'f^{\\prime\\prime}+g^{\\prime}', [16, 24]],
  ['equation', 'f(x)=x^{2}', [16, 24]],
  ['equation', 'a=b+c', [16, 24]],
  ['relations with a bar under them', 'a\\leq b\\geq c,A\\subseteq B', [16, 24]],
  ['matrix', 'A=\\left(\\begin{array}{cc}a&b\\\\c&d\\end{array}\\right)', [16, 24]],
  ['matrix with scripts', '\\left[\\begin{array}{ccc}x_{1}&0&1\\\\2&y^{2}&z\\end{array}\\right]', [16, 24]],
  ['row vector', 'v=\\left(\\begin{array}{ccc}a&b_{1}&c\\end{array}\\right)', [16, 24]],
  ['parentheses that are not a row vector', 'f(a,b)+(x-y)', [16, 24]],
];

describe('MathRecognizer on MathJax renderings', () => {
  for (const [construct, latex, sizes] of CASES) {
    for (const px of sizes) {
      it(`${construct}: ${latex} at ${px} px/em`, async () => {
        const r = await read(latex, px);
        expect(norm(r.latex)).toBe(norm(latex));
        expect(r.confidence).toBeGreaterThan(0.5);
        expect(r.symbols.length).toBeGreaterThan(0);
        for (const s of r.symbols) {
          expect(s.confidence).toBeGreaterThanOrEqual(0);
          expect(s.confidence).toBeLessThanOrEqual(1);
          expect(s.bbox.w).toBeGreaterThan(0);
        }
      });
    }
  }

  it('reads a hat of a few pixels as a hat, not a dot (16 px/em), with a modest confidence', async () => {
    const r = await read('\\hat{A}+\\dot{q}', 16);
    expect(norm(r.latex)).toBe(norm('\\hat{A}+\\dot{q}'));
    expect(r.confidence).toBeGreaterThan(0.2);
  });

  it('reports symbol boxes in the coordinates of the input image', async () => {
    const r = await read('a=b+c', 24);
    const xs = r.symbols.map((s) => s.bbox.x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(r.symbols.map((s) => s.latex)).toEqual(['a', '=', 'b', '+', 'c']);
  });

  it('gives a badly corrupted image a lower confidence than the clean one', async () => {
    const rng = new Rng(7);
    for (const [latex, px] of [['x^{2}+y^{2}=z^{2}', 24], ['\\frac{x+1}{y-2}', 16], ['\\alpha+\\beta', 24]] as const) {
      const clean = await render(latex, px);
      const sharp = (await import('sharp')).default;
      const { data, info } = await sharp(clean).greyscale().raw().toBuffer({ resolveWithObject: true });
      // Salt-and-pepper on 12% of the pixels plus a few random ink blotches.
      for (let i = 0; i < data.length; i++) if (rng.chance(0.12)) data[i] = rng.chance(0.5) ? 0 : 255;
      for (let k = 0; k < 6; k++) {
        const bx = rng.int(0, info.width - 6);
        const by = rng.int(0, info.height - 4);
        for (let y = by; y < by + 4; y++) for (let x = bx; x < bx + 6; x++) data[y * info.width + x] = 0;
      }
      const corrupted = await sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();
      const a = await recognizer.recognize(clean);
      const b = await recognizer.recognize(corrupted);
      expect(b.confidence).toBeLessThan(a.confidence);
    }
  });

  it('reads a speck inside a glyph as part of it, not as a dot of its own', async () => {
    const sharp = (await import('sharp')).default;
    for (const [latex, glyph] of [['k=1', 'k'], ['W+1', 'W']] as const) {
      const clean = await render(latex, 32);
      const box = (await recognizer.recognize(clean)).symbols.find((s) => s.latex === glyph)!.bbox;
      const { data, info } = await sharp(clean).greyscale().raw().toBuffer({ resolveWithObject: true });
      // A 2x2 blot on paper inside the glyph's box, two pixels clear of any ink.
      const paper = (x: number, y: number): boolean => {
        for (let dy = -2; dy <= 3; dy++) for (let dx = -2; dx <= 3; dx++) if (data[(y + dy) * info.width + x + dx]! < 200) return false;
        return true;
      };
      let spot: [number, number] | undefined;
      for (let y = box.y + 2; y < box.y + box.h - 3 && !spot; y++) for (let x = box.x + 2; x < box.x + box.w - 3 && !spot; x++) if (paper(x, y)) spot = [x, y];
      expect(spot).toBeDefined();
      const [sx, sy] = spot!;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]]) data[(sy + dy!) * info.width + sx + dx!] = 0;
      const specked = await sharp(data, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();
      expect(norm((await recognizer.recognize(specked)).latex)).toBe(norm(latex));
    }
  });

  it('reads a fraction bar that heavy ink fused with a glyph above or below it', async () => {
    for (const [latex, px] of [['\\frac{T^{E}}{\\frac{n}{D}}\\cdot\\Lambda', 20], ['r^{-\\frac{O(0,1,8)}{3}}', 24]] as const) {
      const heavy = await renderFormula(latex, { pxPerEm: px, strokeUnits: 40, blur: 0, noise: 0, pad: 6 }, new Rng(1));
      expect(norm((await recognizer.recognize(heavy)).latex)).toBe(norm(latex));
    }
  });

  it('reads three bars as \\equiv when heavy ink makes two of them one `=` (fixtures/fused-equiv.png)', async () => {
    const picture = await readFile(path.join(__dirname, 'fixtures', 'fused-equiv.png'));
    const tokens = norm((await recognizer.recognize(picture)).latex).split(' ');
    expect(tokens.slice(0, tokens.indexOf('\\lim'))).toEqual(norm('q_{\\mathcal{C}}\\cdot H\\equiv').split(' '));
  });

  it('reads an `=` whose bars blur into one component as `=` (fixtures/fused-equals.png)', async () => {
    const picture = await readFile(path.join(__dirname, 'fixtures', 'fused-equals.png'));
    const tokens = norm((await recognizer.recognize(picture)).latex).split(' ');
    const sigma = tokens.indexOf('\\Sigma');
    expect(tokens.slice(sigma - 2, sigma + 3)).toEqual(['x', '(', '\\Sigma', ')', '=']);
  });

  it('reads a function name fused into one component at 13 px/em as the name (fixtures/fused-cos.png)', async () => {
    const picture = await readFile(path.join(__dirname, 'fixtures', 'fused-cos.png'));
    const tokens = norm((await recognizer.recognize(picture)).latex).split(' ');
    expect(tokens.slice(0, tokens.indexOf('6') + 1)).toEqual(norm('g\\cdot p_{1}\\cdot\\cos 6').split(' '));
  });

  it.each([
    ['small-cos.png', '\\mathbf{A}\\times\\cos 4\\leq J,'],
    ['small-sqrt.jpg', '\\sqrt{1}\\cdot\\mathrm{g}=J'],
  ])('reads a small picture that its first enlargement misreads by reading it again at the next factor (fixtures/%s)', async (file, latex) => {
    const picture = await readFile(path.join(__dirname, 'fixtures', file));
    expect(norm((await recognizer.recognize(picture)).latex)).toBe(norm(latex));
  });

  it('joins a glyph the threshold broke in two (fixtures/broken-w.png: a script W read as I and V)', async () => {
    const picture = await readFile(path.join(__dirname, 'fixtures', 'broken-w.png'));
    const tokens = norm((await recognizer.recognize(picture)).latex).split(' ');
    expect(tokens.slice(0, tokens.indexOf('='))).toEqual(norm('M_{W}^{2}').split(' '));
  });

  it.each([
    ['a_{1}+\\cdots+a_{n}', '\\cdots'],
    ['x_{1},\\ldots,x_{n}', '\\ldots'],
  ])('writes the dots of %s as %s, not as three symbols', async (latex, ellipsis) => {
    const tokens = (await read(latex, 16)).latex.split(' ');
    expect(tokens).toContain(ellipsis);
    expect(tokens.filter((t) => t === '.' || t === '\\cdot' || t === '\\bullet')).toEqual([]);
  });

  it('cuts three letters printed as one component into three (fixtures/fused-three.png)', async () => {
    const picture = await readFile(path.join(__dirname, 'fixtures', 'fused-three.png'));
    expect(norm((await recognizer.recognize(picture)).latex)).toBe(norm('G_{E}^{9}=O_{p}^{3}\\int cyu^{-2\\Phi(z)}'));
  });

  it('tells a tilde flattened to a bar by blur from a bar (fixtures/flat-tilde.jpg)', async () => {
    const picture = await readFile(path.join(__dirname, 'fixtures', 'flat-tilde.jpg'));
    expect(norm((await recognizer.recognize(picture)).latex)).toBe(norm('\\alpha\\times\\tilde{a}\\pm\\mathrm{N}-L'));
  });

  it('rejects an aborted call with a named error', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(recognizer.recognize(await render('x', 16), { signal: controller.signal })).rejects.toMatchObject({ name: 'RecognizerError', code: 'aborted' });
  });
});
