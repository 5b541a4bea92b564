import sharp from 'sharp';
import { MAX_LATEX_LENGTH, svgViewBox, texToMathml, texToSvg, withPixelSize } from '../../src/regeneration/mathjax';

describe('texToSvg', () => {
  it('renders a formula to a self-contained SVG with inline glyph paths', async () => {
    const { svg, error } = await texToSvg('\\frac{a}{b} + x^2');
    expect(error).toBeUndefined();
    expect(svg).toMatch(/^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<path');
    // fontCache 'none': no references to glyphs defined elsewhere.
    expect(svg).not.toMatch(/<use\b/);
    expect(svgViewBox(svg!)).toMatchObject({ width: expect.any(Number), height: expect.any(Number) });
  });

  it('reports TeX errors instead of drawing them', async () => {
    expect(await texToSvg('\\frac{a}{')).toEqual({ error: 'Missing close brace' });
    expect(await texToSvg('\\foo x')).toEqual({ error: 'Undefined control sequence \\foo' });
    expect(await texToSvg('   ')).toEqual({ error: 'empty formula' });
    expect((await texToSvg('x'.repeat(MAX_LATEX_LENGTH + 1))).error).toMatch(/longer than/);
  });

  it('keeps no state between formulas: no macro definitions, labels reusable', async () => {
    expect((await texToSvg('\\def\\x{1}\\x')).error).toBe('Undefined control sequence \\def');
    expect((await texToSvg('a \\label{eq}')).error).toBeUndefined();
    expect((await texToSvg('b \\label{eq}')).error).toBeUndefined();
  });

  it('renders what textbook problems use', async () => {
    for (const latex of ['\\odot X', 'm \\widehat{CZ} = 40^{\\circ}', '\\overline{AB} \\cong \\overline{CD}', '\\angle ABC', '\\triangle ABC \\sim \\triangle DEF']) {
      expect(await texToSvg(latex)).toEqual({ svg: expect.stringContaining('<svg') });
    }
  });

  it('gives SVGs that sharp rasterises at the requested pixel size', async () => {
    const { svg } = await texToSvg('E = mc^2', true);
    const png = await sharp(Buffer.from(withPixelSize(svg!, 300, 60))).png().toBuffer();
    expect(await sharp(png).metadata()).toMatchObject({ width: 300, height: 60 });
  });
});

describe('texToMathml', () => {
  it('gives plain presentation MathML: structure kept, no indentation, no MathJax attributes', async () => {
    const { mathml } = await texToMathml('\\frac{a}{b^2}+\\sqrt[3]{x}');
    expect(mathml).toBe('<math xmlns="http://www.w3.org/1998/Math/MathML"><mfrac><mi>a</mi><msup><mi>b</mi><mn>2</mn></msup></mfrac><mo>+</mo><mroot><mi>x</mi><mn>3</mn></mroot></math>');
  });

  it('marks display formulas as block', async () => {
    expect((await texToMathml('\\sum_{i=1}^n i', true)).mathml).toMatch(/^<math xmlns="[^"]+" display="block">.*<munderover>/);
  });

  it("reports TeX's errors, empty and overlong input instead of converting them", async () => {
    expect(await texToMathml('\\frac{a}{')).toEqual({ error: 'Missing close brace' });
    expect(await texToMathml('\\nosuchmacro x')).toEqual({ error: 'Undefined control sequence \\nosuchmacro' });
    expect(await texToMathml('  ')).toEqual({ error: 'empty formula' });
    expect((await texToMathml('x'.repeat(MAX_LATEX_LENGTH + 1))).error).toMatch(/longer than/);
  });
});
