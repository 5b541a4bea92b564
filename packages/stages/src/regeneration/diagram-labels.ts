/** Diagram label text (point names, measures such as `40°`) as TeX, shared by TikZ and SVG. */
import { escapeProse } from './latex-document';

const MATH_LABEL = /^[A-Za-z0-9'.,+\-= ]+$/;
const FRACTION = /\\frac\{([A-Za-z0-9'.+\- ]*)\}\{([A-Za-z0-9'.+\- ]*)\}/g;

export function labelTex(text: string): string {
  const normalised = text.trim().replace(/[′’]/g, "'");
  const degrees = /°$/.test(normalised);
  const body = normalised.replace(/°$/, '').trim();
  // Plain math, or math with stacked fractions (`\frac{1}{4}x+5`, as the local vision provider reads them).
  const math = MATH_LABEL.test(body) || MATH_LABEL.test(body.replace(FRACTION, '$1$2'));
  if (math) return degrees ? `${body}^\\circ` : body;
  return `\\text{${escapeProse(normalised)}}`;
}
