/**
 * Style priors over the whole formula. Printed ink is heavy and script sizes heavier still
 * (optical sizes), so a regular glyph often matches its bold template best; yet bold is rare in
 * print and comes in runs (a bold vector, a bold matrix name). Likewise an upright letter stands
 * mostly inside a word (`\mathrm{Tr}`, function names) or is the `d` of a differential or the `e`
 * of an exponential. A bold or upright reading that is neither supported by its neighbours nor
 * clearly ahead of the plain reading gives way to it.
 *
 * Before those priors, the weight of the ink decides between readings of one character in
 * different styles: each symbol's ink density against its templates', scaled by how heavy this
 * formula's print is (its gain, measured on the symbols read with confidence).
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
/** ... so the digit one stands against a lone upright l or I from this far behind (a threshold
 * moved for a second reading thins the flag of a 1 until it matches l better). */
const ONE_MARGIN = 0.15;

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

/** Candidates this close to the best are weighed by their ink. */
const INK_CLOSE = 0.15;
/** Score lost per unit of |log| ink ratio beyond INK_FREE (measurement noise within a formula). */
const INK_WEIGHT = 0.3;
const INK_FREE = 0.05;
/**
 * Bold glyphs read lighter than their templates scaled by the formula's gain: a heavier print
 * adds about the same ink around every outline, which is relatively less on a bold glyph. Their
 * expected density is lowered by this much (log) instead of modelling the stroke.
 */
const INK_BOLD_SHIFT = 0.12;

/** Ink per squared height, the quantity compared: fill x aspect. Bold glyphs have thicker stems
 * and are wider, so they carry about 1.5 times the ink of the regular glyph of the same height. */
function inkDensity(fill: number, w: number, h: number): number {
  return (fill * w) / Math.max(1, h);
}

/**
 * The formula's ink gain at a size: how much heavier its print is than the templates, the median
 * of observed over template ink density among confidently read, unstyled symbols of about that
 * size (all sizes when there are too few). Print weight varies from source to source but not
 * within one formula, except that pdflatex prints scripts heavier (optical sizes).
 */
function inkGain(units: Unit[]): ((em: number) => number) | undefined {
  const samples: Array<{ em: number; ratio: number }> = [];
  for (const u of units) {
    if (u.node.t !== 'sym' || u.node.sym.shape || u.node.sym.fill === undefined || !u.reliable) continue;
    const top = u.node.sym.cands[0];
    if (!top || top.score < 0.8 || styleOf(top.label) || !top.template.fill) continue;
    samples.push({ em: u.em, ratio: inkDensity(u.node.sym.fill, u.node.sym.box.w, u.node.sym.box.h) / inkDensity(top.template.fill, top.template.w, top.template.h) });
  }
  if (samples.length < 2) return undefined;
  const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
  const overall = median(samples.map((x) => x.ratio));
  return (em) => {
    const near = samples.filter((x) => x.em > 0.8 * em && x.em < 1.25 * em).map((x) => x.ratio);
    return near.length >= 2 ? median(near) : overall;
  };
}

/** The character a reading stands for whatever its style. */
function familyOf(label: string): string {
  return styleOf(label)?.char ?? label;
}

/**
 * Bold against regular by the weight of the ink: readings of one character in different styles
 * (`\mathbf{s}`, `\mathrm{s}`, `s`) that match about equally well are re-ranked by how far their
 * template's ink density, times the formula's gain, is from what was observed. Only readings of
 * the top one's character move, relative to the one whose ink fits best, so other labels keep
 * their standing.
 */
function weighInk(u: Unit, gainAt: (em: number) => number, fallbackEm: number): Unit {
  if (u.node.t !== 'sym' || u.node.sym.shape || u.node.sym.fill === undefined) return u;
  const sym = u.node.sym;
  const top = sym.cands[0];
  if (!top) return u;
  const family = familyOf(top.label);
  const gain = gainAt(u.em);
  const observed = inkDensity(sym.fill!, sym.box.w, sym.box.h);
  const losses = new Map<Candidate, number>();
  for (const c of sym.cands) {
    if (c.score < top.score - INK_CLOSE || familyOf(c.label) !== family || !c.template.fill) continue;
    const shift = styleOf(c.label)?.style === 'mathbf' ? INK_BOLD_SHIFT : 0;
    const gap = Math.abs(Math.log(observed / (gain * inkDensity(c.template.fill, c.template.w, c.template.h))) + shift);
    losses.set(c, INK_WEIGHT * Math.max(0, gap - INK_FREE));
  }
  if (losses.size < 2) return u;
  // The best fit by shape less ink takes the first place; the rest keep the order earlier passes
  // gave them (look-alikes were re-ranked by size and baseline, not by raw score).
  const adjusted = (c: Candidate): number => c.score - (losses.get(c) ?? 0);
  const best = [...losses.keys()].reduce((a, b) => (adjusted(b) > adjusted(a) ? b : a));
  return best === top ? u : symbolUnit({ ...sym, cands: [best, ...sym.cands.filter((c) => c !== best)] }, fallbackEm);
}

export function applyStylePriors(input: Unit[], fallbackEm: number): Unit[] {
  const gain = inkGain(input);
  const units = gain === undefined ? input : input.map((u) => weighInk(u, gain, fallbackEm));
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
      margin = LOOKS_LIKE_ONE.has(char) ? ONE_MARGIN : UPRIGHT_MARGIN;
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
