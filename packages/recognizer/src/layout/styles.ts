/**
 * Style priors over the whole formula. Printed ink is heavy and script sizes heavier still
 * (optical sizes), so a regular glyph often matches its bold template best; yet bold is rare in
 * print and comes in runs (a bold vector, a bold matrix name). Likewise an upright letter stands
 * mostly inside a word (`\mathrm{Tr}`, function names) or is the `d` of a differential or the `e`
 * of an exponential. A bold or upright reading that is neither supported by its neighbours nor
 * clearly ahead of the plain reading gives way to it.
 */
import type { Candidate } from '../classify/classifier';
import { symbolUnit, type Sym, type Unit } from './units';

const STYLED = /^\\(mathbf|mathrm) \{ (.) \}$/;
/** How much better a lone bold reading must match than the plain one to stand. */
const BOLD_MARGIN = 0.07;
const BOLD_DIGIT_MARGIN = 0.12;
const UPRIGHT_MARGIN = 0.035;
/** Added for script-size glyphs, whose optical-size ink looks bold. */
const SCRIPT_BOLD_MARGIN = 0.05;
/** Upright letters common on their own in formulas. */
const LONE_UPRIGHT = new Set(['d', 'e', 'i']);
/** An upright or bold l or I alone is almost always the digit one, printed heavy. */
const LOOKS_LIKE_ONE = new Set(['l', 'I']);

function styleOf(label: string | undefined): { style: string; char: string } | undefined {
  const m = label ? STYLED.exec(label) : null;
  return m ? { style: m[1]!, char: m[2]! } : undefined;
}

/** Plain readings of a styled character, in order of preference. */
function plainLabels(style: string, char: string): string[] {
  // Bold and upright letters differ by weight alone, which heavy ink blurs: only the italic
  // letter, a different shape, is a plain alternative to a bold one.
  if (LOOKS_LIKE_ONE.has(char)) return ['1', char];
  return [char];
}

function adjacentSameStyle(u: Unit, units: Unit[], style: string): boolean {
  return units.some((v) => {
    if (v === u || v.node.t !== 'sym') return false;
    if (styleOf(v.node.sym.cands[0]?.label)?.style !== style) return false;
    const gap = Math.max(v.box.x - (u.box.x + u.box.w), u.box.x - (v.box.x + v.box.w));
    const overlap = Math.min(u.box.y + u.box.h, v.box.y + v.box.h) - Math.max(u.box.y, v.box.y);
    return gap < 0.45 * u.em && overlap > 0.3 * Math.min(u.box.h, v.box.h);
  });
}

/** Script-size glyphs: pdflatex sets them in optical sizes, wider and heavier than the body font. */
function isScriptSize(u: Unit, em: number): boolean {
  return u.reliable && u.em < 0.85 * em;
}

export function applyStylePriors(units: Unit[], fallbackEm: number): Unit[] {
  // Heavy script digits (G^{0} four times over) are no evidence that the formula uses bold.
  // Nor are heavy ones read as bold l.
  const boldCount = units.filter((u) => {
    if (u.node.t !== 'sym' || isScriptSize(u, fallbackEm)) return false;
    const styled = styleOf(u.node.sym.cands[0]?.label);
    return styled?.style === 'mathbf' && !LOOKS_LIKE_ONE.has(styled.char);
  }).length;
  return units.map((u) => {
    if (u.node.t !== 'sym' || u.node.sym.shape) return u;
    const sym = u.node.sym;
    const top = sym.cands[0];
    const styled = styleOf(top?.label);
    if (!top || !styled) return u;
    const { style, char } = styled;
    let margin: number;
    if (style === 'mathbf') {
      // Two or more bold readings elsewhere make bold a style of this formula, not an accident.
      if (boldCount >= 3 || adjacentSameStyle(u, units, style)) return u;
      margin = (/[0-9]/.test(char) ? BOLD_DIGIT_MARGIN : BOLD_MARGIN) + (isScriptSize(u, fallbackEm) ? SCRIPT_BOLD_MARGIN : 0);
    } else {
      if (LONE_UPRIGHT.has(char) || adjacentSameStyle(u, units, style)) return u;
      margin = UPRIGHT_MARGIN;
    }
    const plain = plainLabels(style, char)
      .map((label) => sym.cands.find((c) => c.label === label))
      .find((c): c is Candidate => c !== undefined && c.score >= top.score - margin);
    return plain ? symbolUnit(reordered(sym, plain), fallbackEm) : u;
  });
}

function reordered(sym: Sym, pick: Candidate): Sym {
  return { ...sym, cands: [pick, ...sym.cands.filter((c) => c !== pick)] };
}
