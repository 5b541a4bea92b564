/**
 * The benchmark's image-match metric on pairs whose answer is known: spellings that draw the same
 * picture must match, small but visible differences must not. These pairs are how the metric's
 * tolerance was chosen (see bench/image-match.ts).
 */
import { picturesMatch, renderPicture } from '../bench/image-match';

const SAME: Array<[string, string]> = [
  ['{\\rm e}^{x}', '\\mathrm{e}^{x}'],
  ['a\\,b=c', 'ab=c'],
  ['\\frac{1}{2}x', '{\\frac{1}{2}}x'],
  ['x^{a}_{b}', 'x_{b}^{a}'],
  ['a\\to b', 'a\\rightarrow b'],
  ['\\sin x', '\\mathrm{sin}\\,x'],
  ['\\left[a+b\\right]', '[a+b]'],
  ['\\operatorname{Tr}M', '\\mathrm{Tr}M'],
  ['{\\bar{K}}_{a}^{-}(p)', '\\bar{K}_{a}^{-}(p)'],
  ["f'(x)", 'f^{\\prime}(x)'],
  ['\\sum_{i=1}^{n}x_{i}', '\\sum\\limits_{i=1}^{n}x_{i}'],
  ['a_{0}[[a_{0},a_{n}],a_{0}]', 'a_{0}\\left[[a_{0},a_{n}],a_{0}\\right]'],
  ['\\{3\\delta(l)\\}', '\\left\\{3\\delta(l)\\right\\}'],
  ['\\mathcal{L}(\\phi)', '{\\cal L}(\\phi)'],
  ['a+\\cdots+b', 'a+\\cdot\\cdot\\cdot+b'],
];

const DIFFERENT: Array<[string, string]> = [
  ['x,', 'x.'],
  ['\\bar{T}', '\\tilde{T}'],
  ['\\mathbf{t}+1', 't+1'],
  ['\\sqrt[3]{x}', '\\sqrt[n]{x}'],
  ['\\sqrt[4]{F}', '\\sqrt[\\cdot]{F}'],
  ['x^{2}', 'x_{2}'],
  ['l+1', '1+1'],
  ['O+1', '0+1'],
  ['\\Big[a\\Big]', '[a]'],
  ['a_{ij}', 'a_{ji}'],
  ['\\dot{x}', '\\ddot{x}'],
  ['\\Theta', '\\mathrm{O}'],
  ['a_{1}', 'a_{l}'],
  ['x^{\\prime}', 'x^{\\prime\\prime}'],
  ['\\nu', 'v'],
];

async function match(a: string, b: string): Promise<boolean> {
  const [pa, pb] = await Promise.all([renderPicture(a), renderPicture(b)]);
  if (!pa || !pb) throw new Error(`cannot render ${a} or ${b}`);
  return picturesMatch(pa, pb);
}

describe('image match', () => {
  it.each(SAME)('counts %s and %s as one picture', async (a, b) => {
    expect(await match(a, b)).toBe(true);
  });

  it.each(DIFFERENT)('tells %s from %s', async (a, b) => {
    expect(await match(a, b)).toBe(false);
  });
});
