/** Diagram label text (point names, measures such as `40°`) as TeX, shared by TikZ and SVG. */
import { escapeProse } from './latex-document';

const MATH_LABEL = /^[A-Za-z0-9'.,+\-= ]+$/;

export function labelTex(text: string): string {
  const normalised = text.trim().replace(/[′’]/g, "'");
  const degrees = /°$/.test(normalised);
  const body = normalised.replace(/°$/, '').trim();
  if (MATH_LABEL.test(body)) return degrees ? `${body}^\\circ` : body;
  return `\\text{${escapeProse(normalised)}}`;
}
