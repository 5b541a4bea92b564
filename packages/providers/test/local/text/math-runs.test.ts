/**
 * The math tokenizer and run builder on OCR-shaped input: words as tesseract returns them
 * (misreads included), Markdown with `$...$` out.
 */
import { segmentLine } from '../../../src/local/text/math-runs';
import { classifyWord, splitGluedWord, splitPunctuation } from '../../../src/local/text/math-tokens';

const md = (line: string, accents: boolean[] = []) => segmentLine(line.split(' '), accents).markdown;

describe('segmentLine', () => {
  it('wraps an equation between names and numbers, leaving sentence punctuation outside', () => {
    expect(md('AB = 30, CD = 30, and')).toBe('$AB = 30$, $CD = 30$, and');
  });

  it('reads the misread circle operator before a capital as \\odot', () => {
    expect(md('In ©X, AB = 30')).toBe('In $\\odot X$, $AB = 30$');
    expect(md('In ® X, the radius')).toBe('In $\\odot X$, the radius');
    expect(md('In OX, the radius')).toBe('In $\\odot X$, the radius');
  });

  it('keeps O followed by a capital as a segment outside a circle context', () => {
    expect(md('and OX = 5')).toBe('and $OX = 5$');
  });

  it('writes an arc measure when ink sits above the letters, and keeps the letters otherwise', () => {
    expect(md('and mCZ = 40.', [false, true, false, false])).toBe('and $m\\widehat{CZ} = 40$.');
    expect(md('and mCZ = 40.')).toBe('and $m CZ = 40$.');
  });

  it('reads the angle sign OCR returns as Z or /', () => {
    expect(md('mZ1 = 45°')).toBe('$m\\angle 1 = 45^{\\circ}$');
    expect(md('m/M = 10x and')).toBe('$m\\angle M = 10x$ and');
  });

  it('marks single-letter variables in prose but not the article a or list markers', () => {
    expect(md('Find x and y.')).toBe('Find $x$ and $y$.');
    expect(md('A triangle has a side')).toBe('A triangle has a side');
    expect(md('b. Find x.')).toBe('b. Find $x$.');
  });

  it('makes ambiguous letters math when an operator binds them', () => {
    expect(md('so x = a + 2.')).toBe('so $x = a + 2$.');
  });

  it('leaves exercise numbers, ordinals and percentages as prose', () => {
    expect(md('11. AM 12. MB')).toBe('11. $AM$ 12. $MB$');
    expect(md('Find the 2nd term, 50% off')).toBe('Find the 2nd term, 50% off');
  });

  it('writes powers, Greek letters, fractions and functions as LaTeX', () => {
    expect(md('x² + y² = 25')).toBe('$x^{2} + y^{2} = 25$');
    expect(md('x^2')).toBe('$x^{2}$');
    expect(md('angle θ = π/4')).toBe('angle $\\theta = \\frac{\\pi}{4}$');
    expect(md('half is 1/2 here')).toBe('half is $\\frac{1}{2}$ here');
    expect(md('f(x) = sin(x)')).toBe('$f(x) = \\sin(x)$');
    expect(md('so a ≤ b')).toBe('so $a \\le b$');
  });

  it('does not take hyphenated or slashed prose for math', () => {
    expect(md('the x-axis and/or y-intercept')).toBe('the x-axis and/or y-intercept');
  });

  it('joins a label split over words, treating a minus glued to a number as binary', () => {
    expect(segmentLine(['8y', '—', '36']).runs.map((r) => r.latex)).toEqual(['8y - 36']);
    expect(segmentLine(['4x', '—17']).runs.map((r) => r.latex)).toEqual(['4x - 17']);
  });

  it('keeps brackets around a whole run inside the math', () => {
    expect(md('is (x + 3) long')).toBe('is $(x + 3)$ long');
  });

  it('escapes a literal dollar in prose', () => {
    expect(md('costs $5 each')).toBe('costs \\$5 each');
  });

  it('types lines and flags a lone equation', () => {
    expect(segmentLine(['Find', 'each', 'measure.']).type).toBe('text');
    expect(segmentLine(['Find', 'x.']).type).toBe('mixed');
    const equation = segmentLine(['2x+3', '=', '7']);
    expect(equation.type).toBe('math');
    expect(equation.equationOnly).toBe(true);
    expect(equation.runs[0]!.latex).toBe('2x + 3 = 7');
  });
});

describe('word helpers', () => {
  it('splits sentence punctuation and unbalanced brackets off a word', () => {
    expect(splitPunctuation('30,')).toEqual({ lead: '', core: '30', trail: ',' });
    expect(splitPunctuation('(AB')).toEqual({ lead: '(', core: 'AB', trail: '' });
    expect(splitPunctuation('f(x).')).toEqual({ lead: '', core: 'f(x)', trail: '.' });
  });

  it('splits words OCR glued together without splitting math', () => {
    expect(splitGluedWord('6,BC=')).toEqual(['6,', 'BC', '=']);
    expect(splitGluedWord('=9,')).toEqual(['=', '9,']);
    expect(splitGluedWord('16,and')).toEqual(['16,', 'and']);
    expect(splitGluedWord('(0,7)')).toEqual(['(0,7)']);
    expect(splitGluedWord('a=b')).toEqual(['a=b']);
  });

  it('classifies capitalised English words as prose, not point names', () => {
    expect(classifyWord('FIND', { lineStart: true, accent: false }).kind).toBe('word');
    expect(classifyWord('ABC', { lineStart: false, accent: false }).kind).toBe('atom');
    expect(classifyWord('AB', { lineStart: false, accent: true }).latex).toBe('\\overline{AB}');
  });
});
